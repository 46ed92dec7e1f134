// One NATS connection per process, shared by the transport, the publisher and the relay.
import { connect, type ConnectionOptions, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import { resolveMessagingOptions, type MessagingOptions, type ResolvedMessagingOptions } from './messaging-options';
import { provisionStreams } from './provisioning/provision-streams';

export interface MessagingConnection {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly options: ResolvedMessagingOptions;
  /** Drains (finishes pending publishes and acks) and closes. */
  close(): Promise<void>;
}

export async function connectMessaging(
  input: MessagingOptions,
  natsOptions: Partial<ConnectionOptions> = {},
): Promise<MessagingConnection> {
  const options = resolveMessagingOptions(input);
  const nc = await connect({
    servers: options.servers,
    name: options.app,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    ...natsOptions,
  });
  const jsm = await nc.jetstreamManager();
  if (options.provisionStreams) await provisionStreams(jsm, options);
  return {
    nc,
    js: nc.jetstream(),
    jsm,
    options,
    async close() {
      if (!nc.isClosed()) await nc.drain();
    },
  };
}
