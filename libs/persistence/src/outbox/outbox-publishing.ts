// Publishes one app's outbox table to JetStream: the relay from libs/messaging over SqlOutboxStore,
// woken by the NOTIFY each writing transaction sends. Every publishing app provides it the same way
// (`OutboxPublishing.connect({ app, table, config })` in its module); Nest starts the relay once the
// app is up and stops it, then the store and the NATS connection, at shutdown.
import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { connectMessaging, EventPublisher, type MessagingConnection, messagingOptionsFromEnv, OutboxRelay } from '@skolkonto/messaging';
import type { OutboxTable } from './outbox-tables';
import { SqlOutboxStore } from './sql-outbox-store';

export interface OutboxPublishingOptions {
  /** The app's name (apps/<name>): names the NATS connection and reads its NATS_* settings. */
  readonly app: string;
  /** The app's outbox table (prisma/schema/<app>.prisma). */
  readonly table: OutboxTable;
  /** The app's validated config: where PostgreSQL and NATS are. */
  readonly config: { readonly DATABASE_URL: string; readonly NATS_URL: string; readonly NATS_NAMESPACE?: string };
  readonly env?: NodeJS.ProcessEnv | Record<string, string | undefined>;
  readonly batchSize?: number;
  readonly pollMs?: number;
}

export class OutboxPublishing implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxPublishing.name);
  private readonly store: SqlOutboxStore;
  private readonly relay: OutboxRelay;
  private stopped = false;

  private constructor(
    private readonly connection: MessagingConnection,
    options: OutboxPublishingOptions,
  ) {
    this.store = new SqlOutboxStore(options.config.DATABASE_URL, options.table);
    this.relay = new OutboxRelay(this.store, new EventPublisher(connection.js, connection.options), {
      batchSize: options.batchSize ?? 500,
      pollMs: options.pollMs ?? 1000,
    });
  }

  static async connect(options: OutboxPublishingOptions): Promise<OutboxPublishing> {
    const { config } = options;
    const messaging = {
      ...messagingOptionsFromEnv(options.app, options.env ?? process.env),
      servers: config.NATS_URL.split(','),
      namespace: config.NATS_NAMESPACE,
    };
    // noAsyncTraces: with it on, nats.js captures up to three stack traces per request (each publish
    // is one); a full register sync spent more CPU on them than on building its events. The relay
    // records and logs a failed publish by its message, never by its stack, so nothing is lost.
    return new OutboxPublishing(await connectMessaging(messaging, { noAsyncTraces: true }), options);
  }

  /** Rows published since start. */
  get published(): number {
    return this.relay.published;
  }

  /** The connection's JetStream manager, for an app that also reads stream and consumer state. */
  get jetStreamManager(): MessagingConnection['jsm'] {
    return this.connection.jsm;
  }

  isConnected(): boolean {
    return !this.connection.nc.isClosed();
  }

  /** Rows written but not yet published. */
  backlog(): Promise<number> {
    return this.store.backlog();
  }

  onApplicationBootstrap(): void {
    this.relay.start();
    this.logger.log('outbox relay started');
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.relay.stop();
    await this.store.close();
    await this.connection.close();
  }
}
