// Dead letters: the original message (body + headers) goes to `deadletter.<subject>` in the
// DEADLETTER stream with the reason, attempts and origin in headers, and an
// ops.<tenant>.deadletter.recorded event tells the console. Only then is the original termed.
import { createHash } from 'node:crypto';
import { EVENTS, NO_TENANT, DEADLETTER_SUBJECT_PREFIX, TENANT_ID_PATTERN } from '@skolkonto/contracts';
import { headers as natsHeaders, type JetStreamClient, type JsMsg } from 'nats';
import { namespacedSubject, stripNamespace, type ResolvedMessagingOptions } from '../messaging-options';
import type { EventPublisher } from '../publisher/event-publisher';

export const DLQ_HEADERS = {
  code: 'Skolkonto-Dlq-Code',
  reason: 'Skolkonto-Dlq-Reason',
  attempts: 'Skolkonto-Dlq-Attempts',
  kind: 'Skolkonto-Dlq-Kind',
  stream: 'Skolkonto-Dlq-Stream',
  sequence: 'Skolkonto-Dlq-Sequence',
  consumer: 'Skolkonto-Dlq-Consumer',
  subject: 'Skolkonto-Dlq-Subject',
  time: 'Skolkonto-Dlq-Time',
} as const;

export interface DeadLetterInput {
  readonly message: JsMsg;
  readonly consumer: string;
  readonly kind: 'permanent' | 'exhausted';
  readonly error: { code: string; message: string };
  readonly attempts: number;
  readonly event?: { id?: string; type?: string; tenant?: string };
}

/** A deterministic uuid-shaped id, so a retried dead-lettering is de-duplicated by the stream. */
export function deterministicId(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function headerValue(value: string): string {
  return value.replace(/[\r\n]+/g, ' ').slice(0, 1024);
}

export async function deadLetter(
  js: JetStreamClient,
  publisher: EventPublisher,
  options: ResolvedMessagingOptions,
  input: DeadLetterInput,
): Promise<void> {
  const { message } = input;
  const originalSubject = stripNamespace(message.subject, options.namespace);
  const dlqSubject = `${DEADLETTER_SUBJECT_PREFIX}.${originalSubject}`;
  const seed = `${message.info.stream}:${message.seq}:${input.consumer}`;
  const h = natsHeaders();
  for (const [key, values] of message.headers ?? []) {
    if (key === 'Nats-Msg-Id') continue;
    for (const value of values) h.append(key, value);
  }
  const originalMsgId = message.headers?.get('Nats-Msg-Id');
  if (originalMsgId) h.set('Skolkonto-Original-Msg-Id', originalMsgId);
  h.set(DLQ_HEADERS.code, headerValue(input.error.code));
  h.set(DLQ_HEADERS.reason, headerValue(input.error.message));
  h.set(DLQ_HEADERS.attempts, String(input.attempts));
  h.set(DLQ_HEADERS.kind, input.kind);
  h.set(DLQ_HEADERS.stream, message.info.stream);
  h.set(DLQ_HEADERS.sequence, String(message.seq));
  h.set(DLQ_HEADERS.consumer, input.consumer);
  h.set(DLQ_HEADERS.subject, originalSubject);
  h.set(DLQ_HEADERS.time, new Date().toISOString());
  const ack = await js.publish(namespacedSubject(dlqSubject, options.namespace), message.data, {
    msgID: deterministicId(`dlq:${seed}`),
    headers: h,
  });
  const tenant = input.event?.tenant && TENANT_ID_PATTERN.test(input.event.tenant) ? input.event.tenant : NO_TENANT;
  await publisher.publish(EVENTS.opsDeadletterRecorded, {
    id: deterministicId(`recorded:${seed}`),
    tenant,
    data: {
      tenant,
      consumer: input.consumer,
      stream: message.info.stream,
      streamSequence: message.seq,
      originalSubject,
      originalEventId: input.event?.id,
      originalType: input.event?.type,
      deadLetterSubject: dlqSubject,
      deadLetterSequence: ack.seq,
      attempts: input.attempts,
      kind: input.kind,
      error: { code: input.error.code, message: input.error.message.slice(0, 500) },
      recordedAt: new Date().toISOString(),
    },
  });
}
