// The console's own events (plan decisions) are enqueued in console_outbox in the same transaction
// as the decision and published by libs/messaging's relay over libs/persistence's SQL store, with
// the event id as Nats-Msg-Id: a crash between the two neither loses nor duplicates a decision.
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EventPublisher, OutboxRelay } from '@skolkonto/messaging';
import { SqlOutboxStore } from '@skolkonto/persistence';
import { Inject } from '@nestjs/common';
import { ConsoleConfig } from '../config';
import { CONSOLE_CONFIG } from '../shared/prisma.provider';
import { JetStreamGateway } from '../stream-watch/jetstream-gateway';

@Injectable()
export class ConsoleOutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(ConsoleOutboxRelay.name);
  private store?: SqlOutboxStore;
  private relay?: OutboxRelay;

  constructor(
    private readonly gateway: JetStreamGateway,
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const connection = await this.gateway.connection();
    this.store = new SqlOutboxStore(this.config.DATABASE_URL, 'console_outbox');
    this.relay = new OutboxRelay(this.store, new EventPublisher(connection.js, connection.options), { batchSize: 100, pollMs: 1000 });
    this.relay.start();
    this.logger.log('outbox relay started');
  }

  /** Its last batch goes out before the gateway closes the NATS connection (onApplicationShutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.relay?.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store?.close();
  }
}
