// The console's only door to NATS (through libs/messaging's connection): ordered consumers, which
// are ephemeral and server-side stateless, read every stream without taking work from the
// services' durable consumers; plus the few management calls the console needs (consumer lag,
// dead letters and their replay).
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { connectMessaging, MessagingConnection, namespacedStream, namespacedSubject, replayDeadLetter } from '@skolkonto/messaging';
import { ConsoleConfig } from '../config';
import { CONSOLE_CONFIG } from '../shared/prisma.provider';
import { RawMessage, WatchedStream } from './observed-event';

export interface ConsumerLag {
  stream: WatchedStream;
  consumer: string;
  pending: number;
  ackPending: number;
  redelivered: number;
  /** Namespaced filter subject; empty when the consumer reads the whole stream. */
  filter: string;
  /** Every message at or below this stream sequence is acknowledged. */
  ackFloor: number;
  /** The highest stream sequence delivered so far. */
  delivered: number;
}

export interface StoredDeadLetter {
  sequence: number;
  subject: string;
  payload: Uint8Array;
  headers: Record<string, string>;
  storedAt: Date;
}

/** Where a watcher starts: after a checkpointed sequence, or after whatever the stream holds now. */
export type StartFrom = { kind: 'new' } | { kind: 'after'; sequence: number };

type ConsumerSettings = Parameters<MessagingConnection['jsm']['consumers']['add']>[1];

interface HeaderSource {
  keys(): string[];
  get(key: string): string;
}

@Injectable()
export class JetStreamGateway implements OnApplicationShutdown {
  private readonly logger = new Logger(JetStreamGateway.name);
  private connectionPromise?: Promise<MessagingConnection>;
  private readonly readers: Array<{ stop(): void }> = [];
  private closed = false;

  constructor(@Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig) {}

  streamName(stream: WatchedStream): string {
    return namespacedStream(stream, this.config.NATS_NAMESPACE || undefined);
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
        const { js, jsm } = await this.connection();
        const from = await start();
        const after = from.kind === 'after' ? from.sequence : (await jsm.streams.info(name)).state.last_seq;
        const consumer = await js.consumers.get(name, { opt_start_seq: after + 1 });
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

  /**
   * Reads only `subject` (a contract subject with wildcards) of `stream`: first the last stored
   * message of each matching subject, then new ones as they come, through a filtered ordered
   * consumer. The server filters, so nothing else of the stream (e.g. REGISTER's personal data)
   * ever reaches the console. Messages may repeat after a reconnect; callers keep the newest.
   */
  async watchSubject(stream: WatchedStream, subject: string, onMessage: (message: RawMessage) => void, onReading: () => void = () => undefined): Promise<void> {
    const name = this.streamName(stream);
    const filter = namespacedSubject(subject, this.config.NATS_NAMESPACE || undefined);
    while (!this.closed) {
      try {
        const { js, jsm } = await this.connection();
        const info = await jsm.streams.info(name, { subjects_filter: filter });
        for (const each of Object.keys(info.state.subjects ?? {})) {
          const m = await jsm.streams.getMessage(name, { last_by_subj: each }).catch(() => undefined);
          if (m) onMessage({ stream, sequence: m.seq, subject: m.subject, payload: m.data, storedAt: m.time, headers: toRecord(m.header) });
        }
        const consumer = await js.consumers.get(name, { filterSubjects: filter, opt_start_seq: info.state.last_seq + 1 });
        const messages = await consumer.consume({ max_messages: 64 });
        this.readers.push(messages);
        onReading();
        for await (const m of messages) {
          onMessage({ stream, sequence: m.seq, subject: m.subject, payload: m.data, storedAt: new Date(Math.floor(m.info.timestampNanos / 1e6)), headers: toRecord(m.headers) });
        }
      } catch (error) {
        if (this.closed) return;
        this.logger.warn(`watching ${filter} on ${name} failed (${(error as Error).message}); retrying`);
      }
      await sleep(1000);
    }
  }

  async consumerLag(): Promise<ConsumerLag[]> {
    const { jsm } = await this.connection();
    const result: ConsumerLag[] = [];
    for (const stream of ['REGISTER', 'IDENTITY', 'DIRECTORY', 'FEDERATION', 'OPS'] as const) {
      try {
        for (const info of await jsm.consumers.list(this.streamName(stream)).next()) {
          if (!info.config.durable_name) continue; // ephemeral readers (like ours) do no work
          result.push({
            stream,
            consumer: info.name,
            pending: info.num_pending,
            ackPending: info.num_ack_pending,
            redelivered: info.num_redelivered,
            filter: info.config.filter_subject ?? '',
            ackFloor: info.ack_floor.stream_seq,
            delivered: info.delivered.stream_seq,
          });
        }
      } catch {
        // stream not created yet
      }
    }
    return result;
  }

  /** Message count per stored subject of `stream` matching `filter` (namespaced). */
  async subjectCounts(stream: WatchedStream, filter: string): Promise<Record<string, number>> {
    const { jsm } = await this.connection();
    return (await jsm.streams.info(this.streamName(stream), { subjects_filter: filter || '>' })).state.subjects ?? {};
  }

  /**
   * How many messages of `stream` matching `filter` (namespaced; empty for all) have a sequence of at least
   * `fromSequence`. JetStream has no such query; a consumer's info does report it, so this creates
   * an in-memory ephemeral consumer starting there, reads its count and deletes it. Nothing is
   * ever pulled from it, so it takes no work from anyone; the inactivity threshold removes it
   * should the delete be lost.
   */
  async countFrom(stream: WatchedStream, filter: string, fromSequence: number): Promise<number> {
    const { jsm } = await this.connection();
    const name = this.streamName(stream);
    const info = await jsm.consumers.add(name, {
      ack_policy: 'none' as ConsumerSettings['ack_policy'],
      deliver_policy: 'by_start_sequence' as ConsumerSettings['deliver_policy'],
      opt_start_seq: Math.max(1, fromSequence),
      // No filter is the whole stream (a `>` filter would not be a subset of its subjects).
      ...(filter ? { filter_subject: filter } : {}),
      mem_storage: true,
      num_replicas: 1,
      inactive_threshold: 30_000_000_000, // 30 s, in nanoseconds
    });
    await jsm.consumers.delete(name, info.name).catch(() => undefined);
    return info.num_pending;
  }

  /** Message count per subject in the dead-letter stream. */
  async deadLetterSubjects(): Promise<Record<string, number>> {
    const { jsm } = await this.connection();
    try {
      const info = await jsm.streams.info(this.streamName('DEADLETTER'), { subjects_filter: '>' });
      return info.state.subjects ?? {};
    } catch {
      return {};
    }
  }

  /** Newest first, at most `limit`. */
  async listDeadLetters(limit: number): Promise<StoredDeadLetter[]> {
    const { jsm } = await this.connection();
    let state;
    try {
      state = (await jsm.streams.info(this.streamName('DEADLETTER'))).state;
    } catch {
      return [];
    }
    const result: StoredDeadLetter[] = [];
    for (let seq = state.last_seq; seq >= state.first_seq && seq > 0 && result.length < limit; seq--) {
      const message = await this.getDeadLetter(seq);
      if (message) result.push(message);
    }
    return result;
  }

  async getDeadLetter(sequence: number): Promise<StoredDeadLetter | undefined> {
    const { jsm } = await this.connection();
    try {
      const m = await jsm.streams.getMessage(this.streamName('DEADLETTER'), { seq: sequence });
      return { sequence: m.seq, subject: m.subject, payload: m.data, headers: toRecord(m.header), storedAt: m.time };
    } catch {
      return undefined; // deleted or never existed
    }
  }

  /** Publishes the stored original to its original subject (libs/messaging's replay: fresh Nats-Msg-Id per dead letter). */
  async replayDeadLetter(sequence: number): Promise<{ subject: string; seq: number }> {
    return replayDeadLetter(await this.connection(), sequence, 'ops-console-replay');
  }

  async deleteDeadLetter(sequence: number): Promise<void> {
    const { jsm } = await this.connection();
    try {
      await jsm.streams.deleteMessage(this.streamName('DEADLETTER'), sequence, false);
    } catch (error) {
      if (!/no message found|not found/i.test((error as Error).message)) throw error;
    }
  }

  async ping(): Promise<boolean> {
    try {
      const { nc } = await this.connection();
      await nc.flush();
      return true;
    } catch {
      return false;
    }
  }

  connection(): Promise<MessagingConnection> {
    this.connectionPromise ??= connectMessaging({
      servers: this.config.NATS_URL.split(','),
      app: 'ops-console',
      namespace: this.config.NATS_NAMESPACE || undefined,
      // The console observes; the services provision their streams.
      provisionStreams: false,
    }).catch((error: unknown) => {
      this.connectionPromise = undefined;
      throw error;
    });
    return this.connectionPromise;
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    for (const reader of this.readers) reader.stop();
    if (this.connectionPromise) await (await this.connectionPromise.catch(() => undefined))?.close();
  }
}

function toRecord(headers: HeaderSource | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const key of headers.keys()) out[key] = headers.get(key);
  return out;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
