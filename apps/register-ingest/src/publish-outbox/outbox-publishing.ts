// Publishes register-ingest's outbox to JetStream: the relay from libs/messaging over the SQL store
// from libs/persistence, woken by the NOTIFY each snapshot transaction sends.
import { Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { connectMessaging, EventPublisher, type MessagingConnection, type MessagingOptions, OutboxRelay } from '@skolkonto/messaging';
import { SqlOutboxStore } from '@skolkonto/persistence';
import { OUTBOX_TABLE } from '../sync-state/sync-state.repository';

export class OutboxPublishing implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxPublishing.name);
  private readonly store: SqlOutboxStore;
  private readonly relay: OutboxRelay;

  private constructor(
    private readonly connection: MessagingConnection,
    databaseUrl: string,
    options: { batchSize?: number; pollMs?: number },
  ) {
    this.store = new SqlOutboxStore(databaseUrl, OUTBOX_TABLE);
    this.relay = new OutboxRelay(this.store, new EventPublisher(connection.js, connection.options), {
      batchSize: options.batchSize ?? 500,
      pollMs: options.pollMs ?? 1000,
    });
  }

  static async connect(messaging: MessagingOptions, databaseUrl: string, options: { batchSize?: number; pollMs?: number } = {}): Promise<OutboxPublishing> {
    return new OutboxPublishing(await connectMessaging(messaging), databaseUrl, options);
  }

  get published(): number {
    return this.relay.published;
  }

  isConnected(): boolean {
    return !this.connection.nc.isClosed();
  }

  backlog(): Promise<number> {
    return this.store.backlog();
  }

  onApplicationBootstrap(): void {
    this.relay.start();
    this.logger.log('outbox relay started');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay.stop();
    await this.store.close();
    await this.connection.close();
  }
}
