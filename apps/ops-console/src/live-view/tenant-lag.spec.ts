import { narrowToTenant, shareOfAckPending, tenantOfSubject } from './tenant-lag';

describe(narrowToTenant.name, () => {
  it('puts the subject\'s tenant in place of the wildcard after the domain, under a namespace or not', () => {
    expect(narrowToTenant('identity.*.person.changed', 'identity.skara.person.changed', '')).toBe('identity.skara.person.changed');
    expect(narrowToTenant('t1.identity.*.person.changed', 't1.identity.skara.person.changed', 't1')).toBe('t1.identity.skara.person.changed');
    expect(narrowToTenant('a.b.identity.*.person.*', 'a.b.identity.skara.person.changed', 'a.b')).toBe('a.b.identity.skara.person.*');
    expect(narrowToTenant('t1.*.*.person.changed', 't1.identity.skara.person.changed', 't1')).toBe('t1.identity.skara.person.changed');
  });

  it('spells out a full wildcard up to the tenant from the subject, so the stream accepts the filter', () => {
    expect(narrowToTenant('t1.identity.>', 't1.identity.skara.person.changed', 't1')).toBe('t1.identity.skara.>');
    expect(narrowToTenant('t1.>', 't1.identity.skara.person.changed', 't1')).toBe('t1.identity.skara.>');
    expect(narrowToTenant('', 't1.identity.skara.person.changed', 't1')).toBe('t1.identity.skara.>');
    expect(narrowToTenant('identity.*.>', 'identity.skara.group.deleted', '')).toBe('identity.skara.>');
    expect(narrowToTenant('t1.identity.>', 't1.identity.skara', 't1')).toBe('t1.identity.skara');
  });

  it('keeps a filter that already names the tenant', () => {
    expect(narrowToTenant('t1.ops.skara.plan.approved', 't1.ops.skara.plan.approved', 't1')).toBe('t1.ops.skara.plan.approved');
  });
});

describe(tenantOfSubject.name, () => {
  it('reads the token after the domain', () => {
    expect(tenantOfSubject('t1.identity.skara.person.changed', 't1')).toBe('skara');
    expect(tenantOfSubject('identity.gotene.person.changed', '')).toBe('gotene');
  });
});

describe(shareOfAckPending.name, () => {
  it('is exact when nothing above the floor was acknowledged out of order', () => {
    expect(shareOfAckPending(5, 5, 2)).toEqual({ ackPending: 2, exact: true });
    expect(shareOfAckPending(5, 5, 0)).toEqual({ ackPending: 0, exact: true });
  });

  it('is exact when only this tenant has messages above the floor', () => {
    expect(shareOfAckPending(3, 10, 10)).toEqual({ ackPending: 3, exact: true });
  });

  it('is an upper bound when acknowledged messages could belong to either tenant', () => {
    expect(shareOfAckPending(3, 10, 4)).toEqual({ ackPending: 3, exact: false });
  });

  it('is zero when nothing is unacknowledged', () => {
    expect(shareOfAckPending(0, 4, 4)).toEqual({ ackPending: 0, exact: true });
  });
});
