// NATS for integration tests: a connection to the real server and a per-test namespace, so
// parallel test runs use disjoint subjects and streams and remove their streams afterwards.
import {
  connect,
  ConnectionOptions,
  JetStreamClient,
  JetStreamManager,
  NatsConnection,
  StreamConfig,
  StreamInfo,
} from 'nats';
import { testEnv } from '../env/test-env';
import { uniqueName } from '../unique-name';

/** Connects to NATS_URL. The caller drains or closes the connection. */
export async function natsConnect(options: Partial<ConnectionOptions> = {}): Promise<NatsConnection> {
  const { nats } = testEnv();
  return connect({ servers: nats.url, name: 'skolkonto-test', timeout: 5_000, ...options });
}

export interface TestJetStream {
  readonly connection: NatsConnection;
  readonly manager: JetStreamManager;
  readonly client: JetStreamClient;
  /** Unique per fixture, e.g. `ingest-3f9c1a20b7`; a valid subject token. */
  readonly namespace: string;
  /** `<NAMESPACE>_<base>`: a stream name no other test uses. */
  streamName(base: string): string;
  /** `<namespace>.<tokens…>`: a subject no other test uses. */
  subject(...tokens: string[]): string;
  /** Adds a stream (name it with `streamName`) that `cleanup` deletes. */
  addStream(config: Partial<StreamConfig> & Pick<StreamConfig, 'name' | 'subjects'>): Promise<StreamInfo>;
  /** Deletes the streams added here and every stream named with this namespace, then closes. */
  cleanup(): Promise<void>;
}

export async function createTestJetStream(label = 'test'): Promise<TestJetStream> {
  const connection = await natsConnect();
  const manager = await connection.jetstreamManager();
  const namespace = uniqueName(label);
  const prefix = `${namespace.toUpperCase()}_`;
  const added = new Set<string>();
  return {
    connection,
    manager,
    client: connection.jetstream(),
    namespace,
    streamName: (base) => `${prefix}${base}`,
    subject: (...tokens) => [namespace, ...tokens].join('.'),
    async addStream(config) {
      const info = await manager.streams.add(config);
      added.add(info.config.name);
      return info;
    },
    async cleanup() {
      if (connection.isClosed()) return;
      for await (const name of manager.streams.names()) {
        if (name.startsWith(prefix)) added.add(name);
      }
      for (const name of added) {
        await manager.streams.delete(name).catch((error: unknown) => {
          if (!/stream not found/i.test(String(error))) throw error;
        });
      }
      added.clear();
      await connection.drain();
    },
  };
}
