// CloudEvents 1.0, structured JSON mode: the envelope every event travels in.
import { randomUUID } from 'node:crypto';
import { TENANT_ID_PATTERN } from './common';
import { currentTraceparent } from './trace-context';

export const CLOUDEVENTS_SPEC_VERSION = '1.0';
export const EVENT_TYPE_PREFIX = 'se.skolkonto';
const TYPE_PATTERN = /^se\.skolkonto\.([a-z][a-z0-9-]*)\.([a-z][a-z0-9-]*)\.([a-z][a-z0-9-]*)\.v([1-9][0-9]*)$/;
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface CloudEvent<T = unknown> {
  /** uuid; also the JetStream `Nats-Msg-Id`, so a re-publish is absorbed by de-duplication. */
  readonly id: string;
  /** `/skolkonto/<app>`. */
  readonly source: string;
  readonly specversion: '1.0';
  /** `se.skolkonto.<domain>.<entity>.<verb>.v<N>`. */
  readonly type: string;
  /** The entity the event is about (identityId for identity events). */
  readonly subject: string;
  readonly time: string;
  readonly datacontenttype: 'application/json';
  readonly dataschema?: string;
  readonly data: T;
  /** Extension: tenant (huvudman) id. */
  readonly tenant: string;
  /** Extension: W3C trace context of the cause. */
  readonly traceparent?: string;
}

export interface EventTypeParts {
  readonly domain: string;
  readonly entity: string;
  readonly verb: string;
  readonly version: number;
}

export function formatEventType(parts: EventTypeParts): string {
  return `${EVENT_TYPE_PREFIX}.${parts.domain}.${parts.entity}.${parts.verb}.v${parts.version}`;
}

export function parseEventType(type: string): EventTypeParts | undefined {
  const match = TYPE_PATTERN.exec(type);
  if (!match) return undefined;
  const [, domain, entity, verb, version] = match as unknown as [string, string, string, string, string];
  return { domain, entity, verb, version: Number(version) };
}

export function appSource(app: string): string {
  return `/skolkonto/${app}`;
}

export interface EnvelopeInput<T> {
  readonly type: string;
  readonly source: string;
  readonly subject: string;
  readonly tenant: string;
  readonly data: T;
  readonly id?: string;
  readonly time?: Date | string;
  readonly traceparent?: string;
  readonly dataschema?: string;
}

export function createCloudEvent<T>(input: EnvelopeInput<T>): CloudEvent<T> {
  const traceparent = input.traceparent ?? currentTraceparent();
  const time = input.time instanceof Date ? input.time.toISOString() : (input.time ?? new Date().toISOString());
  return {
    id: input.id ?? randomUUID(),
    source: input.source,
    specversion: CLOUDEVENTS_SPEC_VERSION,
    type: input.type,
    subject: input.subject,
    time,
    datacontenttype: 'application/json',
    ...(input.dataschema ? { dataschema: input.dataschema } : {}),
    data: input.data,
    tenant: input.tenant,
    // An event built while another is handled (or a request served) continues that trace.
    ...(traceparent ? { traceparent } : {}),
  };
}

/** Reasons the envelope (not its data) is not a valid skolkonto CloudEvent; empty when it is. */
export function validateEnvelope(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['event must be a JSON object'];
  const e = value as Record<string, unknown>;
  const reasons: string[] = [];
  const str = (key: string) => typeof e[key] === 'string' && (e[key] as string).length > 0;
  if (!str('id') || !UUID.test(e.id as string)) reasons.push('id must be a uuid');
  if (!str('source')) reasons.push('source must be a non-empty string');
  if (e.specversion !== CLOUDEVENTS_SPEC_VERSION) reasons.push('specversion must be "1.0"');
  if (!str('type') || !parseEventType(e.type as string)) {
    reasons.push('type must look like se.skolkonto.<domain>.<entity>.<verb>.v<N>');
  }
  if (!str('subject')) reasons.push('subject must be a non-empty string');
  if (!str('time') || Number.isNaN(Date.parse(e.time as string))) reasons.push('time must be an RFC 3339 timestamp');
  if (e.datacontenttype !== 'application/json') reasons.push('datacontenttype must be "application/json"');
  if (!str('tenant') || !TENANT_ID_PATTERN.test(e.tenant as string)) reasons.push('tenant must be a tenant id');
  if (e.traceparent !== undefined && (typeof e.traceparent !== 'string' || !TRACEPARENT.test(e.traceparent))) {
    reasons.push('traceparent must be a W3C traceparent');
  }
  if (!('data' in e)) reasons.push('data is missing');
  return reasons;
}
