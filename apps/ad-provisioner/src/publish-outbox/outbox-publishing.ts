// Publishes ad-provisioner's outbox (directory.*, ops.plan.held) to JetStream: the relay from
// libs/messaging over the SQL store from libs/persistence.
import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { connectMessaging, EventPublisher, type MessagingConnection, messagingOptionsFromEnv, OutboxRelay } from '@skolkonto/messaging';
import { SqlOutboxStore } from '@skolkonto/persistence';
import type { ProvisionerConfig } from '../config';

export class OutboxPublishing implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxPublishing.name);
  private readonly store: SqlOutboxStore;
  private readonly relay: OutboxRelay;

  private constructor(
    private readonly connection: MessagingConnection,
    databaseUrl: string,
  ) {
    this.store = new SqlOutboxStore(databaseUrl, 'provisioner_outbox');
    this.relay = new OutboxRelay(this.store, new EventPublisher(connection.js, connection.options), { batchSize: 500, pollMs: 1000 });
  }

  static async connect(config: ProvisionerConfig, env: NodeJS.ProcessEnv = process.env): Promise<OutboxPublishing> {
    const options = { ...messagingOptionsFromEnv('ad-provisioner', env), servers: config.NATS_URL.split(','), namespace: config.NATS_NAMESPACE };
    return new OutboxPublishing(await connectMessaging(options), config.DATABASE_URL);
  }

  isConnected(): boolean {
    return !this.connection.nc.isClosed();
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
