// The console's only door to NATS: ordered (ephemeral, server-side stateless) consumers that read
// every stream without taking work from the services' durable consumers, plus the few management
// calls the console needs (consumer lag, dead letters, publishing its own outbox).
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import {
  connect,
  ConsumerMessages,
  DeliverPolicy,
  headers as natsHeaders,
  JetStreamClient,
  JetStreamManager,
  MsgHdrs,
  NatsConnection,
} from 'nats';
import { ConsoleConfig } from '../config';
import { CONSOLE_CONFIG } from '../shared/prisma.provider';
import { RawMessage, WatchedStream } from './observed-event';

export interface ConsumerLag {
  stream: WatchedStream;
  consumer: string;
  pending: number;
  ackPending: number;
  redelivered: number;
}

export interface StoredDeadLetter {
  sequence: number;
  subject: string;
  payload: Uint8Array;
  headers: Record<string, string>;
  storedAt: Date;
}

export type StartFrom = { kind: 'new' } | { kind: 'after'; sequence: number };

@Injectable()
export class JetStreamGateway implements OnApplicationShutdown {
  private readonly logger = new Logger(JetStreamGateway.name);
  private clientsPromise?: Promise<{ nc: NatsConnection; js: JetStreamClient; jsm: JetStreamManager }>;
  private readonly readers: ConsumerMessages[] = [];
  private closed = false;

  constructor(@Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig) {}

  /** Stream name as deployed: `<NAMESPACE>_<STREAM>` when a namespace is set (tests, side-by-side deployments). */
  streamName(stream: WatchedStream): string {
    return this.config.NATS_NAMESPACE ? `${this.config.NATS_NAMESPACE.toUpperCase()}_${stream}` : stream;
  }

  subjectFor(subject: string): string {
    return this.config.NATS_NAMESPACE ? `${this.config.NATS_NAMESPACE}.${subject}` : subject;
  }

  /**
   * Reads `stream` from `start` with an ordered consumer, calling `onMessage` one message at a time.
   * Waits for streams that do not exist yet; the ordered consumer recreates itself after a gap.
   */
  async watch(
    stream: WatchedStream,
    start: () => Promise<StartFrom>,
    onMessage: (message: RawMessage) => Promise<void>,
    onReading: () => void = () => undefined,
  ): Promise<void> {
    const name = this.streamName(stream);
    while (!this.closed) {
      try {
        const { js } = await this.clients();
        const from = await start();
        const consumer = await js.consumers.get(
          name,
          from.kind === 'new'
            ? { deliver_policy: DeliverPolicy.New }
            : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from.sequence + 1 },
        );
        const messages = await consumer.consume({ max_messages: 256 });
        this.readers.push(messages);
        onReading();
        for await (const m of messages) {
          await onMessage({
            stream,
            sequence: m.seq,
            subject: m.subject,
            payload: m.data,
            storedAt: new Date(Math.floor(m.info.timestampNanos / 1e6)),
            headers: toRecord(m.headers),
          });
        }
      } catch (error) {
        if (this.closed) return;
        this.logger.warn(`watching ${name} failed (${(error as Error).message}); retrying`);
      }
      await sleep(1000);
    }
  }

  async consumerLag(): Promise<ConsumerLag[]> {
    const { jsm } = await this.clients();
    const result: ConsumerLag[] = [];
    for (const stream of ['REGISTER', 'IDENTITY', 'DIRECTORY', 'FEDERATION', 'OPS'] as const) {
      try {
        for (const info of await jsm.consumers.list(this.streamName(stream)).next()) {
          if (!info.config.durable_name) continue; // ephemeral readers (like ours) do no work
          result.push({ stream, consumer: info.name, pending: info.num_pending, ackPending: info.num_ack_pending, redelivered: info.num_redelivered });
        }
      } catch {
        // stream not created yet
      }
    }
    return result;
  }

  /** Message count per subject in the dead-letter stream. */
  async deadLetterSubjects(): Promise<Record<string, number>> {
    const { jsm } = await this.clients();
    try {
      const info = await jsm.streams.info(this.streamName('DEADLETTER'), { subjects_filter: '>' });
      return info.state.subjects ?? {};
    } catch {
      return {};
    }
  }

  /** Newest first, at most `limit`. */
  async listDeadLetters(limit: number): Promise<StoredDeadLetter[]> {
    const { jsm } = await this.clients();
    const name = this.streamName('DEADLETTER');
    let info;
    try {
      info = await jsm.streams.info(name);
    } catch {
      return [];
    }
    const result: StoredDeadLetter[] = [];
    for (let seq = info.state.last_seq; seq >= info.state.first_seq && seq > 0 && result.length < limit; seq--) {
      const message = await this.getDeadLetter(seq);
      if (message) result.push(message);
    }
    return result;
  }

  async getDeadLetter(sequence: number): Promise<StoredDeadLetter | undefined> {
    const { jsm } = await this.clients();
    try {
      const m = await jsm.streams.getMessage(this.streamName('DEADLETTER'), { seq: sequence });
      return { sequence: m.seq, subject: m.subject, payload: m.data, headers: toRecord(m.header), storedAt: m.time };
    } catch {
      return undefined; // deleted or never existed
    }
  }

  async deleteDeadLetter(sequence: number): Promise<void> {
    const { jsm } = await this.clients();
    try {
      await jsm.streams.deleteMessage(this.streamName('DEADLETTER'), sequence, false);
    } catch (error) {
      if (!/no message found|not found/i.test((error as Error).message)) throw error;
    }
  }

  /** Publishes with JetStream de-duplication on `msgId`; `subject` is a contract subject (no namespace). */
  async publish(subject: string, payload: Uint8Array, msgId: string, headers: Record<string, string> = {}): Promise<number> {
    const { js } = await this.clients();
    const hdrs = natsHeaders();
    for (const [key, value] of Object.entries(headers)) hdrs.set(key, value);
    const ack = await js.publish(this.subjectFor(subject), payload, { msgID: msgId, headers: hdrs });
    return ack.seq;
  }

  async ping(): Promise<boolean> {
    try {
      const { nc } = await this.clients();
      await nc.flush();
      return true;
    } catch {
      return false;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    for (const reader of this.readers) reader.stop();
    if (this.clientsPromise) await (await this.clientsPromise.catch(() => undefined))?.nc.close();
  }

  private clients(): Promise<{ nc: NatsConnection; js: JetStreamClient; jsm: JetStreamManager }> {
    this.clientsPromise ??= (async () => {
      const nc = await connect({ servers: this.config.NATS_URL, name: 'ops-console', maxReconnectAttempts: -1 });
      return { nc, js: nc.jetstream(), jsm: await nc.jetstreamManager() };
    })().catch((error: unknown) => {
      this.clientsPromise = undefined;
      throw error;
    });
    return this.clientsPromise;
  }
}

function toRecord(headers: MsgHdrs | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const key of headers.keys()) out[key] = headers.get(key);
  return out;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
