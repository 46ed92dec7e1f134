import { DLQ_HEADERS } from '@skolkonto/messaging';
import { describeDeadLetter } from './dead-letters.service';

describe(describeDeadLetter.name, () => {
  const stored = (headers: Record<string, string>, body: unknown = { data: { civicNo: '201001011234' } }) => ({
    sequence: 42,
    subject: 'ns1.deadletter.register.skara.person.upserted',
    payload: new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body)),
    headers,
    storedAt: new Date('2026-11-28T06:00:00Z'),
  });

  it('reads the reason, attempts and origin the messaging library wrote, and masks the payload', () => {
    const view = describeDeadLetter(
      stored({ [DLQ_HEADERS.code]: 'SCHEMA_INVALID', [DLQ_HEADERS.reason]: 'names missing for 201001011234', [DLQ_HEADERS.attempts]: '1', [DLQ_HEADERS.consumer]: 'identity-normalizer-normalize-person', [DLQ_HEADERS.subject]: 'register.skara.person.upserted' }),
      'ns1',
    );
    expect(view).toMatchObject({ sequence: 42, tenant: 'skara', originalSubject: 'register.skara.person.upserted', attempts: '1', consumer: 'identity-normalizer-normalize-person' });
    expect(view.reason.startsWith('SCHEMA_INVALID: names missing for ')).toBe(true);
    expect(JSON.stringify(view)).not.toContain('201001011234');
  });

  it('falls back to the dead-letter subject and keeps a body that is not JSON', () => {
    const view = describeDeadLetter(stored({}, 'garbage'), 'ns1');
    expect(view).toMatchObject({ originalSubject: 'register.skara.person.upserted', tenant: 'skara', reason: 'no reason recorded', payload: 'garbage' });
  });
});
