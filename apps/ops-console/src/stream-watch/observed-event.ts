// What the console knows about one message it saw on a stream, whatever its type. Parsing is lenient:
// the console must show malformed messages too, not drop them.

export const WATCHED_STREAMS = ['REGISTER', 'IDENTITY', 'DIRECTORY', 'FEDERATION', 'OPS', 'DEADLETTER'] as const;
export type WatchedStream = (typeof WATCHED_STREAMS)[number];

export interface ObservedEvent {
  stream: WatchedStream;
  streamSequence: number;
  /** Subject without the namespace prefix, e.g. `identity.skara.person.changed`. */
  subject: string;
  domain: string;
  tenant: string | null;
  /** CloudEvents type when the payload is an event envelope. */
  type: string | null;
  eventId: string | null;
  /** The event's own time, else the time the stream stored it. */
  time: string;
  /** The entity the event is about (CloudEvents subject). */
  entity: string | null;
  /** Unmasked payload `data` (or the whole payload when it is not an envelope): projections only. */
  data: unknown;
  headers: Record<string, string>;
}

export interface RawMessage {
  stream: WatchedStream;
  sequence: number;
  subject: string;
  payload: Uint8Array;
  storedAt: Date;
  headers: Record<string, string>;
}

/** Strips `<namespace>.` from a subject; the rest is the contract subject. */
export function stripNamespace(subject: string, namespace: string): string {
  return namespace && subject.startsWith(`${namespace}.`) ? subject.slice(namespace.length + 1) : subject;
}

export function toObservedEvent(raw: RawMessage, namespace: string): ObservedEvent {
  const subject = stripNamespace(raw.subject, namespace);
  const tokens = subject.split('.');
  // deadletter.<original subject>: the tenant is the original subject's second token.
  const offset = tokens[0] === 'deadletter' ? 1 : 0;
  let envelope: Record<string, unknown> | undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(raw.payload).toString('utf8'));
    if (payload && typeof payload === 'object' && !Array.isArray(payload)) envelope = payload as Record<string, unknown>;
  } catch {
    payload = Buffer.from(raw.payload).toString('utf8');
  }
  const isEnvelope = envelope !== undefined && typeof envelope.type === 'string' && 'data' in envelope;
  const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : null);
  const time = isEnvelope && str(envelope!.time) && !Number.isNaN(Date.parse(envelope!.time as string)) ? (envelope!.time as string) : raw.storedAt.toISOString();
  return {
    stream: raw.stream,
    streamSequence: raw.sequence,
    subject,
    domain: tokens[0] ?? '',
    tenant: (isEnvelope ? str(envelope!.tenant) : null) ?? tokens[1 + offset] ?? null,
    type: isEnvelope ? str(envelope!.type) : null,
    eventId: isEnvelope ? str(envelope!.id) : (raw.headers['Nats-Msg-Id'] ?? null),
    time,
    entity: isEnvelope ? str(envelope!.subject) : null,
    data: isEnvelope ? envelope!.data : payload,
    headers: raw.headers,
  };
}
