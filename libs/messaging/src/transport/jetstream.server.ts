// NestJS custom transport on JetStream: every @EventPattern(subject, { durable }) method becomes a
// durable pull consumer. Messages are validated against the contract, handled with a concurrency
// limit and per-key ordering, acked after the handler resolved, nak'ed with exponential backoff on
// retryable errors, and dead-lettered (then termed) on permanent errors or the last delivery.
import { Logger } from '@nestjs/common';
import { CustomTransportStrategy, Server, type MessageHandler } from '@nestjs/microservices';
import {
  continueTrace,
  findEventDefinition,
  runInTrace,
  STREAMS,
  type CloudEvent,
} from '@skolkonto/contracts';
import type { ConsumerMessages, JsMsg } from 'nats';
import { isObservable, lastValueFrom } from 'rxjs';
import { connectMessaging, type MessagingConnection } from '../connection';
import { classifyError, summarizeError } from '../errors';
import {
  backoffDelay,
  namespacedStream,
  namespacedSubject,
  resolveMessagingOptions,
  stripNamespace,
  type MessagingOptions,
  type ResolvedMessagingOptions,
} from '../messaging-options';
import { KeyedScheduler } from '../ordering/keyed-scheduler';
import { provisionConsumer } from '../provisioning/provision-streams';
import { EventPublisher } from '../publisher/event-publisher';
import { validateEventAgainstContract } from '../validation/contract-validator';
import { deadLetter } from './dead-letter';
import { JetStreamContext } from './jetstream.context';

export interface JetStreamServerOptions extends MessagingOptions {
  /** Use this connection instead of opening one (it is then not closed by the server). */
  readonly connection?: MessagingConnection;
  /**
   * How long close() waits for handlers in flight to finish (default 20 s: with the relay's final
   * flush, inside the pods' 40 s termination grace period in k8s/base). Messages still unfinished
   * then are nak'ed so another replica takes them at once.
   */
  readonly drainTimeoutMs?: number;
}

/** Extras of @EventPattern: `@EventPattern('identity.*.person.changed', { durable: 'ad-provisioner-provision-account' })`. */
export interface EventPatternExtras {
  readonly durable?: string;
  /** Overrides the consumer concurrency for this handler. */
  readonly concurrency?: number;
}

interface Binding {
  readonly pattern: string;
  readonly stream: string;
  readonly durable: string;
  readonly handler: MessageHandler;
  readonly scheduler: KeyedScheduler;
  /** Messages pulled and not yet acked, nak'ed or termed, with the time they arrived (for progress reports). */
  readonly inFlight: Map<JsMsg, number>;
  messages?: ConsumerMessages;
  loop?: Promise<void>;
  keepAlive?: NodeJS.Timeout;
}

const DURABLE = /^[A-Za-z0-9_-]+$/;

export class JetStreamServer extends Server implements CustomTransportStrategy {
  protected override readonly logger = new Logger(JetStreamServer.name);
  private readonly options: ResolvedMessagingOptions;
  private connection?: MessagingConnection;
  private ownsConnection = false;
  private publisher?: EventPublisher;
  private readonly bindings: Binding[] = [];
  private closing = false;
  /** The drain timed out: unfinished messages were nak'ed and what still runs is not reported. */
  private abandoned = false;
  private readonly pendingAcks: JsMsg[] = [];
  private readonly decoder = new TextDecoder();

  constructor(private readonly serverOptions: JetStreamServerOptions) {
    super();
    // A shared connection fixes servers and namespace; consumer settings (concurrency, ack wait,
    // deliveries, backoff, onOutcome) may still differ per server.
    const { connection, ...own } = serverOptions;
    this.options = resolveMessagingOptions(
      connection ? { ...connection.options, ...own, servers: connection.options.servers, namespace: connection.options.namespace } : own,
    );
  }

  listen(callback: (error?: unknown) => void): void {
    this.start().then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  /** Connects, provisions consumers and starts pulling. Resolves once every consumer is pulling. */
  async start(): Promise<void> {
    this.connection = this.serverOptions.connection ?? (await connectMessaging(this.options));
    this.ownsConnection = !this.serverOptions.connection;
    this.publisher = new EventPublisher(this.connection.js, this.options);
    for (const [pattern, handler] of this.messageHandlers) {
      if (!handler.isEventHandler) continue;
      const binding = this.bind(pattern, handler);
      await provisionConsumer(
        this.connection.jsm,
        { stream: binding.stream, durable: binding.durable, filterSubject: namespacedSubject(pattern, this.options.namespace) },
        this.options,
      );
      const consumer = await this.connection.js.consumers.get(binding.stream, binding.durable);
      // Pull in batches big enough to hide round trips; the scheduler's back-pressure bounds the rest.
      binding.messages = await consumer.consume({ max_messages: Math.min(256, this.options.maxAckPending) });
      binding.loop = this.pull(binding);
      // Long handlers: tell the server they are still working so the ack wait does not expire.
      const every = Math.max(500, Math.floor(this.options.ackWaitMs / 3));
      // Every tick, not only for messages older than one tick: a message that arrived just after a
      // tick would otherwise wait almost two ticks, past the ack wait when timers run late.
      binding.keepAlive = setInterval(() => {
        for (const message of binding.inFlight.keys()) message.working();
      }, every);
      binding.keepAlive.unref();
      this.bindings.push(binding);
      this.logger.log(`consuming ${pattern} as ${binding.durable} on ${binding.stream}`);
    }
  }

  /**
   * Stops pulling, waits for in-flight handlers (they ack or nak; bounded by drainTimeoutMs), then
   * closes the connection. Nest calls it while disposing the app: after beforeApplicationShutdown and
   * before onApplicationShutdown, so apps close their databases in onApplicationShutdown.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const binding of this.bindings) binding.messages?.stop();
    await Promise.all(this.bindings.map((b) => b.loop));
    const drained = Promise.all(this.bindings.map((b) => b.scheduler.drain())).then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.serverOptions.drainTimeoutMs ?? 20_000)));
    const finished = await Promise.race([drained, timeout]);
    clearTimeout(timer);
    // The last acks wait for JetStream's confirmation: a plain ack is fire-and-forget, and the server
    // applies acks on its own queue, so a shared connection (or the next owner of the consumer) could
    // otherwise still see them pending after close() resolved.
    await Promise.all(this.pendingAcks.splice(0).map((message) => message.ackAck().catch(() => false)));
    if (!finished) {
      this.abandoned = true;
      const unfinished = this.bindings.flatMap((b) => [...b.inFlight.keys()]);
      this.logger.warn({ unfinished: unfinished.length, msg: 'handlers still running at the drain timeout; their messages go back to the stream' });
      for (const message of unfinished) message.nak();
    }
    for (const binding of this.bindings) clearInterval(binding.keepAlive);
    if (this.ownsConnection) await this.connection?.close();
  }

  on(): never {
    throw new Error('JetStreamServer does not emit events');
  }

  unwrap<T>(): T {
    if (!this.connection) throw new Error('JetStreamServer is not listening');
    return this.connection.nc as T;
  }

  private bind(pattern: string, handler: MessageHandler): Binding {
    const extras = (handler.extras ?? {}) as EventPatternExtras;
    const domain = pattern.split('.')[0];
    const stream = STREAMS.find((s) => s.subjects.some((subject) => subject === `${domain}.>`));
    if (!stream) throw new Error(`no stream carries "${pattern}" (first token must be a domain of the catalog)`);
    const durable = extras.durable ?? `${this.options.app}-${pattern.replace(/[^A-Za-z0-9_-]+/g, '_')}`;
    if (!DURABLE.test(durable)) throw new Error(`invalid durable name "${durable}"`);
    return {
      pattern,
      stream: namespacedStream(stream.name, this.options.namespace),
      durable,
      handler,
      inFlight: new Map(),
      scheduler: new KeyedScheduler(
        extras.concurrency ?? this.options.concurrency,
        Math.min(this.options.maxAckPending, Math.max(4 * (extras.concurrency ?? this.options.concurrency), 256)),
      ),
    };
  }

  private async pull(binding: Binding): Promise<void> {
    for await (const message of binding.messages!) {
      if (this.closing) {
        message.nak();
        continue;
      }
      const parsed = this.parse(message);
      // Tracked from the moment it is pulled: a message waiting behind others of its key (or for a
      // free slot) also gets "working" signals, so a busy replica is not redelivered its own queue.
      binding.inFlight.set(message, Date.now());
      if (!binding.scheduler.hasCapacity) await binding.scheduler.waitForCapacity();
      // The handler runs in the event's trace (a new span of it; a new trace when it has none), so
      // its log lines and the events it builds carry the trace id.
      const trace = continueTrace(parsed.event?.traceparent);
      void binding.scheduler.run(parsed.key, () => runInTrace(trace, () => this.process(binding, message, parsed)));
    }
  }

  private parse(message: JsMsg): { event?: CloudEvent; key: string; error?: { code: string; message: string } } {
    let value: unknown;
    try {
      value = JSON.parse(this.decoder.decode(message.data));
    } catch {
      return { key: `seq:${message.seq}`, error: { code: 'PAYLOAD_NOT_JSON', message: 'message body is not JSON' } };
    }
    const event = value as CloudEvent;
    const reasons = validateEventAgainstContract(value);
    if (reasons.length) {
      const unknownVersion = reasons.some((r) => r.startsWith('unknown event version'));
      const code = unknownVersion ? 'UNKNOWN_VERSION' : reasons[0]?.startsWith('unknown event type') ? 'UNKNOWN_TYPE' : 'SCHEMA_INVALID';
      return { event: typeof value === 'object' && value ? event : undefined, key: `seq:${message.seq}`, error: { code, message: reasons.join('; ') } };
    }
    const definition = findEventDefinition(event.type);
    const orderingKey = definition?.ordering ? (event.data as Record<string, unknown>)[definition.ordering.key] : undefined;
    return { event, key: `${event.tenant}:${String(orderingKey ?? event.subject)}` };
  }

  private async process(
    binding: Binding,
    message: JsMsg,
    parsed: { event?: CloudEvent; error?: { code: string; message: string } },
  ): Promise<void> {
    // Built only when something is logged: the success path stays allocation-light.
    const log = () => ({
      subject: message.subject,
      seq: message.seq,
      durable: binding.durable,
      attempts: message.info.redeliveryCount,
      eventId: parsed.event?.id,
    });
    // Queued behind its key when the drain timed out: already nak'ed, and the database may be closed.
    if (this.abandoned) return;
    if (parsed.error) {
      binding.inFlight.delete(message);
      this.logger.warn({ ...log(), code: parsed.error.code, msg: 'rejecting invalid message' });
      await this.giveUp(binding, message, 'permanent', parsed.error, parsed.event);
      this.report(binding, 'dead-lettered', Date.now(), parsed.error.code);
      return;
    }
    const event = parsed.event!;
    const context = new JetStreamContext([message, event, stripNamespace(message.subject, this.options.namespace)]);
    const started = Date.now();
    try {
      const result: unknown = await binding.handler(event, context);
      if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
      binding.inFlight.delete(message);
      this.ack(message);
      this.report(binding, 'acked', started);
    } catch (error) {
      binding.inFlight.delete(message);
      // Failed after the drain timed out (its resources are closing): nak'ed already, nothing to log.
      if (this.abandoned) return;
      const disposition = classifyError(error);
      const summary = summarizeError(error);
      if (disposition === 'permanent') {
        this.logger.warn({ ...log(), code: summary.code, msg: 'permanent error, dead-lettering' });
        await this.giveUp(binding, message, 'permanent', summary, event);
        this.report(binding, 'dead-lettered', started, summary.code);
      } else if (message.info.redeliveryCount >= this.options.maxDeliver) {
        this.logger.warn({ ...log(), code: summary.code, msg: 'last delivery failed, dead-lettering' });
        await this.giveUp(binding, message, 'exhausted', summary, event);
        this.report(binding, 'dead-lettered', started, summary.code);
      } else {
        const delay = backoffDelay(message.info.redeliveryCount, this.options.backoffBaseMs, this.options.backoffMaxMs);
        this.logger.log({ ...log(), code: summary.code, delayMs: delay, msg: 'handler failed, retrying later' });
        message.nak(delay);
        this.report(binding, 'retried', started, summary.code);
      }
    }
  }

  /**
   * Acks are written together once per event-loop turn: the nats client flushes its buffer in a
   * microtask, and acks finishing in different microtasks would otherwise each cost a socket write.
   */
  private ack(message: JsMsg): void {
    this.pendingAcks.push(message);
    if (this.pendingAcks.length === 1) setImmediate(() => this.flushAcks());
  }

  private flushAcks(): void {
    for (const message of this.pendingAcks.splice(0)) message.ack();
  }

  private report(binding: Binding, outcome: 'acked' | 'retried' | 'dead-lettered', started: number, code?: string): void {
    if (!this.options.onOutcome) return;
    try {
      this.options.onOutcome({ durable: binding.durable, pattern: binding.pattern, outcome, code, durationMs: Date.now() - started });
    } catch {
      // metrics must never change delivery
    }
  }

  private async giveUp(
    binding: Binding,
    message: JsMsg,
    kind: 'permanent' | 'exhausted',
    error: { code: string; message: string },
    event?: Partial<CloudEvent>,
  ): Promise<void> {
    try {
      await deadLetter(this.connection!.js, this.publisher!, this.options, {
        message,
        consumer: binding.durable,
        kind,
        error,
        attempts: message.info.redeliveryCount,
        event: event ? { id: event.id, type: event.type, tenant: event.tenant } : undefined,
      });
      message.term();
    } catch (failure) {
      // Never lose it: leave it for redelivery and try again then.
      this.logger.error({ seq: message.seq, durable: binding.durable, msg: `dead-lettering failed: ${summarizeError(failure).message}` });
      message.nak(this.options.backoffBaseMs);
    }
  }
}

