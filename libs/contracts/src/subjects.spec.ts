import fc from 'fast-check';
import { buildSubject, parseSubject } from './subjects';

describe(buildSubject.name, () => {
  it('builds <domain>.<tenant>.<entity>.<verb>', () => {
    expect(buildSubject({ domain: 'identity', tenant: 'lidkoping', entity: 'person', verb: 'changed' })).toBe(
      'identity.lidkoping.person.changed',
    );
  });

  it('refuses tokens that would break subject matching', () => {
    for (const tenant of ['a.b', '*', '>', 'Skara', '', 'a b']) {
      expect(() => buildSubject({ domain: 'ops', tenant, entity: 'plan', verb: 'held' })).toThrow(/tenant/);
    }
  });

  it('round-trips through parseSubject (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('register', 'identity', 'directory', 'federation', 'ops', 'sensitive' as const),
        fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,20}$/),
        fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/),
        fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/),
        (domain, tenant, entity, verb) => {
          const parts = { domain: domain as 'ops', tenant, entity, verb };
          expect(parseSubject(buildSubject(parts))).toEqual(parts);
        },
      ),
    );
  });

  it('parses nothing that is not an event subject', () => {
    expect(parseSubject('identity.lidkoping.person')).toBeUndefined();
    expect(parseSubject('other.lidkoping.person.changed')).toBeUndefined();
  });
});
