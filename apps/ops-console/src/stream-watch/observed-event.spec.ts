import { toObservedEvent } from './observed-event';

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe(toObservedEvent.name, () => {
  it('reads tenant, type and data from a CloudEvents envelope and strips the namespace', () => {
    const event = toObservedEvent(
      {
        stream: 'IDENTITY',
        sequence: 7,
        subject: 't1.identity.skara.person.changed',
        payload: encode({ id: 'e1', type: 'se.skolkonto.identity.person.changed.v1', time: '2026-11-28T05:00:00.000Z', tenant: 'skara', subject: 'p1', data: { version: 2 } }),
        storedAt: new Date('2026-11-28T05:00:01Z'),
        headers: {},
      },
      't1',
    );
    expect(event).toMatchObject({ subject: 'identity.skara.person.changed', domain: 'identity', tenant: 'skara', eventId: 'e1', entity: 'p1', time: '2026-11-28T05:00:00.000Z', data: { version: 2 } });
  });

  it('keeps a message that is not JSON, with the tenant from its subject', () => {
    const event = toObservedEvent(
      { stream: 'DEADLETTER', sequence: 1, subject: 'deadletter.register.essunga.person.upserted', payload: new TextEncoder().encode('not json'), storedAt: new Date('2026-11-28T05:00:00Z'), headers: { 'Nats-Msg-Id': 'm1' } },
      '',
    );
    expect(event).toMatchObject({ tenant: 'essunga', domain: 'deadletter', type: null, eventId: 'm1', data: 'not json', time: '2026-11-28T05:00:00.000Z' });
  });
});
