import { ObservedEvent } from '../stream-watch/observed-event';
import { toTimelineFact } from './timeline.projection';

const observed = (subject: string, data: unknown): ObservedEvent => ({
  stream: 'IDENTITY',
  streamSequence: 1,
  subject,
  domain: subject.split('.')[0]!,
  tenant: subject.split('.')[1]!,
  type: null,
  eventId: 'e',
  time: '2026-11-28T06:00:00.000Z',
  entity: null,
  data,
  headers: {},
});

describe(toTimelineFact.name, () => {
  it('keys register changes by the register id and keeps no record fields', () => {
    const fact = toTimelineFact(observed('register.skara.person.upserted', { cause: 'webhook', record: { id: 'r1', civicNo: { value: '201001011234' }, givenName: 'Åsa' } }));
    expect(fact).toEqual({ personKey: 'r1', stage: 'register', cause: 'webhook', summary: { change: 'upserted', contentHash: undefined } });
  });

  it('names the changed fields of an identity version as its cause', () => {
    expect(toTimelineFact(observed('identity.skara.person.changed', { identityId: 'i1', version: 4, changedFields: ['class'] }))).toMatchObject({ personKey: 'i1', stage: 'identity', cause: 'changed: class' });
    expect(toTimelineFact(observed('identity.skara.person.deactivated', { identityId: 'i1', version: 5, reason: 'left-school' }))?.cause).toBe('left-school');
  });

  it('links AD operations and federation releases to the identity', () => {
    expect(toTimelineFact(observed('directory.skara.account.disabled', { identityId: 'i1', identityVersion: 5, sAMAccountName: 'asa01' }))).toMatchObject({ personKey: 'i1', stage: 'directory', cause: 'identity version 5' });
    expect(toTimelineFact(observed('federation.skara.attributes.revoked', { identityId: 'i1', reason: 'deactivated' }))).toMatchObject({ personKey: 'i1', stage: 'federation', cause: 'deactivated' });
  });

  it('ignores events that are not about a person', () => {
    expect(toTimelineFact(observed('directory.skara.group.synced', { groupId: 'g' }))).toBeUndefined();
    expect(toTimelineFact(observed('ops.skara.plan.held', { planId: 'p' }))).toBeUndefined();
  });
});
