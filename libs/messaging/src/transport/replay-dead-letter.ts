// Replays a dead letter (operator command from the console): the stored original body goes back to
// its original subject with its original headers, so the consumers get it again. The message keeps
// its event id (consumers de-duplicate by id/version); the Nats-Msg-Id is made unique per replay so
// the stream's duplicate window does not swallow it.
import { DEADLETTER_SUBJECT_PREFIX } from '@skolkonto/contracts';
import { headers as natsHeaders } from 'nats';
import type { MessagingConnection } from '../connection';
import { namespacedStream, namespacedSubject } from '../messaging-options';
import { DLQ_HEADERS, deterministicId } from './dead-letter';

export interface ReplayResult {
  readonly subject: string;
  readonly stream: string;
  readonly seq: number;
}

export async function replayDeadLetter(connection: MessagingConnection, deadLetterSequence: number, replayKey = 'replay'): Promise<ReplayResult> {
  const { namespace } = connection.options;
  const stored = await connection.jsm.streams.getMessage(namespacedStream('DEADLETTER', namespace), { seq: deadLetterSequence });
  const original = stored.header?.get(DLQ_HEADERS.subject);
  if (!original || !stored.subject.endsWith(`${DEADLETTER_SUBJECT_PREFIX}.${original}`)) {
    throw new Error(`dead letter ${deadLetterSequence} has no original subject`);
  }
  const h = natsHeaders();
  for (const [key, values] of stored.header ?? []) {
    if (key.startsWith('Skolkonto-Dlq-') || key === 'Nats-Msg-Id' || key === 'Skolkonto-Original-Msg-Id') continue;
    for (const value of values) h.append(key, value);
  }
  h.set('Skolkonto-Replay-Of', String(deadLetterSequence));
  const ack = await connection.js.publish(namespacedSubject(original, namespace), stored.data, {
    headers: h,
    msgID: deterministicId(`${replayKey}:${deadLetterSequence}`),
  });
  return { subject: original, stream: ack.stream, seq: ack.seq };
}
