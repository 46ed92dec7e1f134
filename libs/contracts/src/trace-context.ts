// The W3C trace an operation runs in (an HTTP request or a consumed event), held in
// AsyncLocalStorage. It lives beside the envelope because an event built while another is being
// handled carries the same trace (createCloudEvent reads it); libs/platform stamps it on every log
// line and sets it for HTTP requests, libs/messaging sets it for each consumed event.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';

export interface TraceContext {
  /** 32 lower-case hex digits, shared by every span of the trace. */
  readonly traceId: string;
  /** 16 hex digits: this operation's span; events built inside it name it as their parent. */
  readonly spanId: string;
  /** The trace flags byte, e.g. '01' (sampled). */
  readonly flags: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const storage = new AsyncLocalStorage<TraceContext>();

/** The parts of a W3C traceparent, or undefined when it is malformed or an all-zero id (invalid by the spec). */
export function parseTraceparent(value: string | undefined | null): { traceId: string; parentId: string; flags: string } | undefined {
  const match = typeof value === 'string' ? TRACEPARENT.exec(value.trim().toLowerCase()) : null;
  if (!match || match[1] === 'ff' || /^0+$/.test(match[2]!) || /^0+$/.test(match[3]!)) return undefined;
  return { traceId: match[2]!, parentId: match[3]!, flags: match[4]! };
}

/**
 * A new span for an operation caused by `traceparent` (same trace id, fresh span id), or the first
 * span of a new trace when there is no valid parent.
 */
export function continueTrace(traceparent?: string | null): TraceContext {
  const parent = parseTraceparent(traceparent);
  return {
    traceId: parent?.traceId ?? randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    flags: parent?.flags ?? '01',
  };
}

export function formatTraceparent(context: TraceContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.flags}`;
}

/** Runs `fn` (and everything it awaits or schedules) inside `context`. */
export function runInTrace<T>(context: TraceContext, fn: () => T): T {
  return storage.run(context, fn);
}

/**
 * Runs `fn` (and everything it schedules) outside any trace: work shared by several operations (a
 * batch of consumed events) must not inherit the trace of whichever one happened to start it.
 */
export function runWithoutTrace<T>(fn: () => T): T {
  return storage.exit(fn);
}

export function currentTrace(): TraceContext | undefined {
  return storage.getStore();
}

/** The traceparent for something started inside the current operation (an event, an outgoing call). */
export function currentTraceparent(): string | undefined {
  const context = storage.getStore();
  return context ? formatTraceparent(context) : undefined;
}
