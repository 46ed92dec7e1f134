// Publishes federation-publisher's outbox to JetStream: the relay from libs/messaging over the SQL
// store from libs/persistence, woken by the NOTIFY each attribute transaction sends.
import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { connectMessaging, EventPublisher, type MessagingConnection, messagingOptionsFromEnv, OutboxRelay } from '@skolkonto/messaging';
import { SqlOutboxStore } from '@skolkonto/persistence';
import type { FederationPublisherConfig } from '../config';

export class OutboxPublishing implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxPublishing.name);
  private readonly store: SqlOutboxStore;
  private readonly relay: OutboxRelay;
  // A hybrid app (HTTP + JetStream) runs lifecycle hooks once per context: start and stop once.
  private started = false;
  private stopped = false;

  private constructor(
    private readonly connection: MessagingConnection,
    databaseUrl: string,
  ) {
    this.store = new SqlOutboxStore(databaseUrl, 'federation_outbox');
    this.relay = new OutboxRelay(this.store, new EventPublisher(connection.js, connection.options), { batchSize: 500, pollMs: 1000 });
  }

  static async connect(config: FederationPublisherConfig, env: NodeJS.ProcessEnv = process.env): Promise<OutboxPublishing> {
    const options = { ...messagingOptionsFromEnv('federation-publisher', env), servers: config.NATS_URL.split(','), namespace: config.NATS_NAMESPACE };
    return new OutboxPublishing(await connectMessaging(options), config.DATABASE_URL);
  }

  isConnected(): boolean {
    return !this.connection.nc.isClosed();
  }

  onApplicationBootstrap(): void {
    if (this.started) return;
    this.started = true;
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
