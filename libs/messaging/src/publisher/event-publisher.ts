// Publishes CloudEvents to JetStream: validates against the contract first, uses the event id as
// Nats-Msg-Id (a re-publish inside the duplicate window is absorbed) and waits for the stream's ack.
import {
  buildEvent,
  type CloudEvent,
  type EventDefinition,
} from '@skolkonto/contracts';
import { headers as natsHeaders, type JetStreamClient, type MsgHdrs } from 'nats';
import { PermanentError } from '../errors';
import { validateEventAgainstContract } from '../validation/contract-validator';
import { namespacedSubject, type ResolvedMessagingOptions } from '../messaging-options';

export interface PublishResult {
  readonly stream: string;
  readonly seq: number;
  /** True when the stream had the id already (de-duplicated). */
  readonly duplicate: boolean;
}

export interface PublishInput<T extends object> {
  readonly tenant: string;
  readonly data: T;
  readonly id?: string;
  readonly time?: Date | string;
  readonly traceparent?: string;
}

export const HEADER_TYPE = 'Ce-Type';
export const HEADER_TENANT = 'Ce-Tenant';
export const HEADER_TRACEPARENT = 'traceparent';

/** The NATS subject of an event (from its type and tenant) before namespacing. */
export function subjectOfEvent(event: CloudEvent, definition: EventDefinition): string {
  return definition.subject(event.tenant);
}

export function eventHeaders(event: CloudEvent, extra: Record<string, string> = {}): MsgHdrs {
  const h = natsHeaders();
  h.set('Nats-Msg-Id', event.id);
  h.set(HEADER_TYPE, event.type);
  h.set(HEADER_TENANT, event.tenant);
  if (event.traceparent) h.set(HEADER_TRACEPARENT, event.traceparent);
  for (const [key, value] of Object.entries(extra)) h.set(key, value);
  return h;
}

export class EventPublisher {
  private readonly encoder = new TextEncoder();

  constructor(
    private readonly js: JetStreamClient,
    private readonly options: ResolvedMessagingOptions,
  ) {}

  /** Builds the CloudEvent for `definition` and publishes it. */
  async publish<T extends object>(definition: EventDefinition<T>, input: PublishInput<T>): Promise<PublishResult & { event: CloudEvent<T> }> {
    const event = buildEvent(definition, { ...input, source: this.options.app });
    const result = await this.publishEvent(event, definition.subject(event.tenant));
    return { ...result, event };
  }

  /**
   * Publishes an already built CloudEvent (e.g. from the outbox) to `subject` (contract subject,
   * without namespace). Invalid events are refused with a PermanentError naming every reason.
   */
  async publishEvent(event: CloudEvent, subject: string, extraHeaders: Record<string, string> = {}): Promise<PublishResult> {
    const reasons = validateEventAgainstContract(event);
    if (reasons.length) throw new PermanentError('SCHEMA_INVALID', `refusing to publish ${event.type}: ${reasons.join('; ')}`);
    const ack = await this.js.publish(namespacedSubject(subject, this.options.namespace), this.encoder.encode(JSON.stringify(event)), {
      msgID: event.id,
      headers: eventHeaders(event, extraHeaders),
      timeout: 10_000,
    });
    return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
  }
}
