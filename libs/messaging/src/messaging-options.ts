// Settings of the messaging library, shared by the transport, the publisher and the relay.

export interface MessagingOptions {
  /** NATS servers, e.g. `nats://127.0.0.1:4222`. */
  readonly servers: string | string[];
  /** The app using the library (`ad-provisioner`); names durables and the CloudEvents source. */
  readonly app: string;
  /**
   * Prefix for every subject (`<ns>.identity.…`) and stream (`<NS>_IDENTITY`) so that parallel test
   * runs or side-by-side deployments never share data. Env NATS_NAMESPACE; none by default.
   */
  readonly namespace?: string;
  /** Stream replicas: 1 on one node, 3 in a cluster. */
  readonly replicas?: number;
  /** Stream retention (max age) in ms; 0 = keep until limits. Default 7 days. */
  readonly maxAgeMs?: number;
  /** De-duplication window (Nats-Msg-Id) in ms. Default 2 minutes. */
  readonly duplicateWindowMs?: number;
  /** Deliveries before a message is dead-lettered. Default 5. */
  readonly maxDeliver?: number;
  /** Ack wait in ms; the transport reports progress while a handler runs longer. Default 30 s. */
  readonly ackWaitMs?: number;
  /** Backoff of the first nak in ms, doubled per delivery up to backoffMaxMs. Default 500 / 30 000. */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** Handlers running at once per consumer. Default 8. */
  readonly concurrency?: number;
  /** Unacked messages the server lets one consumer hold (pulled, queued per key, running). Default 1024. */
  readonly maxAckPending?: number;
  /** Provision streams at boot (idempotent). Default true. */
  readonly provisionStreams?: boolean;
  /** Called after every handled delivery (metrics). Must not throw. */
  readonly onOutcome?: (outcome: DeliveryOutcome) => void;
}

/** What happened to one delivery; for metrics (counters by durable and outcome, a duration histogram). */
export interface DeliveryOutcome {
  readonly durable: string;
  /** Contract subject pattern of the consumer, e.g. `identity.*.person.changed` (no tenant, no ids). */
  readonly pattern: string;
  readonly outcome: 'acked' | 'retried' | 'dead-lettered';
  readonly code?: string;
  readonly durationMs: number;
}

export type ResolvedMessagingOptions = Required<Omit<MessagingOptions, 'namespace' | 'onOutcome'>> & {
  readonly namespace?: string;
  readonly onOutcome?: (outcome: DeliveryOutcome) => void;
};

const NAMESPACE = /^[a-z0-9][a-z0-9_-]{0,40}$/;

export function resolveMessagingOptions(options: MessagingOptions): ResolvedMessagingOptions {
  const namespace = options.namespace === undefined || options.namespace === '' ? undefined : options.namespace;
  if (namespace !== undefined && !NAMESPACE.test(namespace)) {
    throw new Error(`messaging namespace must match ${NAMESPACE.source}: "${namespace}"`);
  }
  return {
    servers: options.servers,
    app: options.app,
    namespace,
    replicas: options.replicas ?? 1,
    maxAgeMs: options.maxAgeMs ?? 7 * 24 * 3600_000,
    duplicateWindowMs: options.duplicateWindowMs ?? 120_000,
    maxDeliver: options.maxDeliver ?? 5,
    ackWaitMs: options.ackWaitMs ?? 30_000,
    backoffBaseMs: options.backoffBaseMs ?? 500,
    backoffMaxMs: options.backoffMaxMs ?? 30_000,
    concurrency: options.concurrency ?? 8,
    maxAckPending: options.maxAckPending ?? 1024,
    provisionStreams: options.provisionStreams ?? true,
    onOutcome: options.onOutcome,
  };
}

/** Options from the environment: NATS_URL, NATS_NAMESPACE, NATS_REPLICAS, NATS_MAX_AGE_MS … */
export function messagingOptionsFromEnv(app: string, env: NodeJS.ProcessEnv = process.env): MessagingOptions {
  const int = (key: string) => {
    const raw = env[key];
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new Error(`${key} must be a non-negative integer`);
    return value;
  };
  return {
    servers: (env.NATS_URL ?? 'nats://127.0.0.1:4222').split(','),
    app,
    namespace: env.NATS_NAMESPACE || undefined,
    replicas: int('NATS_REPLICAS'),
    maxAgeMs: int('NATS_MAX_AGE_MS'),
    maxDeliver: int('NATS_MAX_DELIVER'),
    ackWaitMs: int('NATS_ACK_WAIT_MS'),
    concurrency: int('NATS_CONCURRENCY'),
  };
}

/** `<ns>.<subject>`, or the subject itself without a namespace. */
export function namespacedSubject(subject: string, namespace?: string): string {
  return namespace ? `${namespace}.${subject}` : subject;
}

/** The subject as the contracts know it (namespace removed). */
export function stripNamespace(subject: string, namespace?: string): string {
  return namespace && subject.startsWith(`${namespace}.`) ? subject.slice(namespace.length + 1) : subject;
}

/** `<NS>_<STREAM>` (the convention of libs/testing), or the stream name itself. */
export function namespacedStream(stream: string, namespace?: string): string {
  return namespace ? `${namespace.toUpperCase()}_${stream}` : stream;
}

/** Exponential backoff for the n-th delivery (1-based): base·2^(n-1), capped. */
export function backoffDelay(delivery: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, delivery - 1));
}
