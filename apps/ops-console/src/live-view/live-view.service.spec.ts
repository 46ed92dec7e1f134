import { ObservedEvent } from '../stream-watch/observed-event';
import { matchesFilter, toLiveView } from './live-view.service';

const event = (over: Partial<ObservedEvent> = {}): ObservedEvent => ({
  stream: 'IDENTITY',
  streamSequence: 1,
  subject: 'identity.skara.person.changed',
  domain: 'identity',
  tenant: 'skara',
  type: 'se.skolkonto.identity.person.changed.v1',
  eventId: 'e1',
  time: '2026-11-28T06:00:00.000Z',
  entity: 'id-1',
  data: { identityId: 'id-1', names: { displayName: 'Åsa Öberg' }, civicNo: '201001011234' },
  headers: {},
  ...over,
});
const admin = { id: 'a', username: 'a', role: 'admin' as const, tenants: 'all' as const };

describe(matchesFilter.name, () => {
  it('hides other tenants from an operator limited to some', () => {
    expect(matchesFilter(event(), { ...admin, role: 'viewer', tenants: ['gotene'] }, {})).toBe(false);
    expect(matchesFilter(event(), { ...admin, role: 'viewer', tenants: ['skara'] }, {})).toBe(true);
  });

  it('filters by tenant, domain, type and person', () => {
    expect(matchesFilter(event(), admin, { tenant: 'skara', domain: 'identity', type: 'person.changed', person: 'öberg' })).toBe(true);
    expect(matchesFilter(event(), admin, { domain: 'directory' })).toBe(false);
    expect(matchesFilter(event(), admin, { type: 'deactivated' })).toBe(false);
    expect(matchesFilter(event(), admin, { person: 'someone-else' })).toBe(false);
  });
});

describe(toLiveView.name, () => {
  it('masks civic numbers before anything leaves the server', () => {
    expect(JSON.stringify(toLiveView(event()))).not.toContain('201001011234');
  });
});
