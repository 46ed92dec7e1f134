// Test support: a unique namespace per test file, so parallel runs (and other packages' tests)
// never share streams or subjects, and cleanup deletes exactly what the namespace created.
import { randomBytes } from 'node:crypto';
import { AckPolicy, DeliverPolicy, type JetStreamManager, type JsMsg, type NatsConnection } from 'nats';
import { connectMessaging, type MessagingConnection } from '../connection';
import { namespacedStream, type MessagingOptions } from '../messaging-options';

export interface TestMessaging {
  readonly namespace: string;
  /** Options with the namespace, fast backoff and the test NATS URL; spread your app name in. */
  readonly options: MessagingOptions;
  readonly connection: MessagingConnection;
  /** `<NS>_<STREAM>` */
  streamName(stream: string): string;
  /** Every message currently in a stream (optionally one subject, namespaced), in order. */
  readMessages(stream: string, filterSubject?: string): Promise<JsMsg[]>;
  /** Deletes every stream of the namespace and closes the connection. */
  cleanup(): Promise<void>;
}

export function uniqueNamespace(label = 'test'): string {
  return `${label.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 20)}-${randomBytes(5).toString('hex')}`;
}

export async function createTestMessaging(label = 'msg', overrides: Partial<MessagingOptions> = {}): Promise<TestMessaging> {
  const namespace = uniqueNamespace(label);
  const options: MessagingOptions = {
    servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    app: 'test-app',
    namespace,
    backoffBaseMs: 100,
    backoffMaxMs: 1000,
    maxDeliver: 3,
    ackWaitMs: 5000,
    maxAgeMs: 3600_000,
    ...overrides,
  };
  const connection = await connectMessaging(options);
  return {
    namespace,
    options,
    connection,
    streamName: (stream) => namespacedStream(stream, namespace),
    readMessages: (stream, filterSubject) => readMessages(connection.nc, connection.jsm, namespacedStream(stream, namespace), filterSubject),
    async cleanup() {
      await deleteNamespaceStreams(connection.jsm, namespace);
      await connection.close();
    },
  };
}

export async function deleteNamespaceStreams(jsm: JetStreamManager, namespace: string): Promise<void> {
  const prefix = `${namespace.toUpperCase()}_`;
  const names: string[] = [];
  for await (const name of jsm.streams.names()) if (name.startsWith(prefix)) names.push(name);
  for (const name of names) await jsm.streams.delete(name).catch(() => undefined);
}

async function readMessages(nc: NatsConnection, jsm: JetStreamManager, stream: string, filterSubject?: string): Promise<JsMsg[]> {
  const info = await jsm.streams.info(stream);
  if (info.state.messages === 0) return [];
  const consumer = await jsm.consumers.add(stream, {
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.All,
    inactive_threshold: 60_000_000_000,
    ...(filterSubject ? { filter_subject: filterSubject } : {}),
  });
  const js = nc.jetstream();
  const c = await js.consumers.get(stream, consumer.name);
  const out: JsMsg[] = [];
  const pending = (await c.info()).num_pending;
  if (pending === 0) return out;
  const batch = await c.fetch({ max_messages: pending, expires: 2000 });
  for await (const m of batch) {
    out.push(m);
    if (out.length >= pending) break;
  }
  await jsm.consumers.delete(stream, consumer.name).catch(() => undefined);
  return out;
}
