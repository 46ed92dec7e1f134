import { parseTenants } from '@skolkonto/platform';
import { isDnWithin } from '@skolkonto/directory';
import fc from 'fast-check';
import { TenantLayout, TenantBoundaryError } from '../directory-layout/tenant-layout';
import { accountCn, groupSamAccountName, toDesiredAccount } from './desired-account';
import type { PersonIdentityV1 } from '@skolkonto/contracts';

const [tenant] = parseTenants(`
tenants:
  - id: alpha
    name: Alpha
    municipalityCode: "1494"
    register: { baseUrl: http://127.0.0.1/alpha, auth: { type: none } }
    directory: { ouName: Alpha, upnSuffix: alpha.skola.test }
    federation: { scope: alpha.test }
    naming: { protectedDisplayName: Skyddad identitet }
`);
const layout = new TenantLayout(tenant!, 'DC=skola,DC=test');

function identity(overrides: Partial<PersonIdentityV1> = {}): PersonIdentityV1 {
  return {
    identityId: '11111111-1111-4111-8111-111111111111',
    tenant: 'alpha',
    version: 1,
    status: 'active',
    names: { givenName: 'Åsa', familyName: 'Öberg', displayName: 'Åsa Öberg', protected: false },
    affiliations: ['student'],
    schoolUnits: [{ organisationId: '22222222-2222-4222-8222-222222222222', schoolUnitCode: '12345678', displayName: 'S', roles: ['student'] }],
    class: { groupId: '33333333-3333-4333-8333-333333333333', displayName: '7B', schoolUnitCode: '12345678' },
    groups: [],
    enrolments: [],
    duties: [],
    sourceRefs: [{ system: 'ss12000', entity: 'Person', id: '44444444-4444-4444-8444-444444444444' }],
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    statusChangedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

describe(toDesiredAccount.name, () => {
  it('places an active pupil in the school unit OU with role, school and class groups', () => {
    const desired = toDesiredAccount(identity(), tenant!, layout);
    expect(desired).toMatchObject({ kind: 'pupil', state: 'present', schoolUnitCode: '12345678', registerPersonId: '44444444-4444-4444-8444-444444444444' });
    expect(desired.ouDn).toBe('OU=12345678,OU=Elever,OU=Alpha,OU=Skolkonto,DC=skola,DC=test');
    expect(desired.groups.map((g) => g.key)).toEqual(['role:pupil', 'school:12345678:pupil', 'class:33333333-3333-4333-8333-333333333333']);
  });

  it('sends suspended and deactivated identities to the leavers OU without groups', () => {
    for (const status of ['suspended', 'deactivated'] as const) {
      const desired = toDesiredAccount(identity({ status }), tenant!, layout);
      expect(desired.state).toBe('leaver');
      expect(desired.ouDn).toBe(layout.leaversDn);
      expect(desired.groups).toEqual([]);
    }
    expect(toDesiredAccount(identity({ status: 'pending' }), tenant!, layout).state).toBe('none');
  });

  it('keeps a leaving pupil where the account was during the grace period, without role groups', () => {
    const leaving = identity({ status: 'leaving', affiliations: [], schoolUnits: [], class: undefined });
    const desired = toDesiredAccount(leaving, tenant!, layout, { kind: 'pupil', schoolUnitCode: '12345678' });
    expect(desired).toMatchObject({ kind: 'pupil', state: 'present', schoolUnitCode: '12345678' });
    expect(desired.ouDn).toBe('OU=12345678,OU=Elever,OU=Alpha,OU=Skolkonto,DC=skola,DC=test');
    expect(desired.groups.map((g) => g.key)).toEqual(['role:pupil']);
    // Without a previous placement there is nothing to keep.
    expect(toDesiredAccount(leaving, tenant!, layout).kind).toBe('staff');
  });

  it('treats anyone with a staff role as staff', () => {
    const staff = identity({ affiliations: ['staff'], schoolUnits: [{ ...identity().schoolUnits[0]!, roles: ['staff', 'student'] }] });
    expect(toDesiredAccount(staff, tenant!, layout).kind).toBe('staff');
  });

  it('gives protected identities the tenant\'s neutral names only', () => {
    const desired = toDesiredAccount(
      identity({ names: { givenName: 'Neutral', familyName: 'Namn', displayName: 'Neutral Namn', protected: true } }),
      tenant!,
      layout,
    );
    expect(desired.displayName).toBe('Skyddad identitet');
    expect(desired.givenName).toBe('Skyddad identitet');
  });

  it('falls back to the identity id when the register id is missing', () => {
    expect(toDesiredAccount(identity({ sourceRefs: [] }), tenant!, layout).registerPersonId).toBe('11111111-1111-4111-8111-111111111111');
  });

  it('property: whatever the names and class say, every DN stays inside the tenant OU', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), fc.string({ maxLength: 100 }), fc.string({ minLength: 1, maxLength: 100 }), (given, family, klass) => {
        const desired = toDesiredAccount(
          identity({ names: { givenName: given || 'x', familyName: family || 'y', displayName: `${given} ${family}`, protected: false }, class: { groupId: '33333333-3333-4333-8333-333333333333', displayName: klass } }),
          tenant!,
          layout,
        );
        expect(isDnWithin(desired.ouDn, layout.rootDn)).toBe(true);
        for (const group of desired.groups) {
          expect(isDnWithin(group.dn, layout.groupsDn, { allowSelf: false })).toBe(true);
          expect(layout.guard(group.dn)).toBe(group.dn);
        }
      }),
    );
  });
});

describe(accountCn.name, () => {
  it('keeps CNs within 64 characters, without control characters, ending in the account name', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (name) => {
        const cn = accountCn(name, 'asaobe01');
        expect(Array.from(cn).length).toBeLessThanOrEqual(64);
        // eslint-disable-next-line no-control-regex -- no control character may survive
        expect(cn).not.toMatch(/[\u0000-\u001f]/);
        expect(cn.endsWith(' (asaobe01)')).toBe(true);
      }),
    );
  });
});

describe(TenantLayout.name, () => {
  it('guards every DN: only strictly below the tenant root is writable', () => {
    expect(() => layout.guard(layout.rootDn)).toThrow(TenantBoundaryError);
    expect(() => layout.guard('CN=x,OU=Beta,OU=Skolkonto,DC=skola,DC=test')).toThrow(TenantBoundaryError);
    expect(() => layout.guard('CN=x\\,OU=Alpha,OU=Skolkonto,DC=skola,DC=test')).toThrow(TenantBoundaryError);
    expect(layout.guard(`CN=x,${layout.pupilsDn}`)).toBe(`CN=x,${layout.pupilsDn}`);
  });

  it('derives group sAMAccountNames that differ per tenant, key and deployment OU and fit AD', () => {
    const ou = 'OU=Alpha,OU=Skolkonto,DC=skola,DC=test';
    const otherOu = 'OU=Alpha,OU=Skolkonto,OU=Test2,DC=skola,DC=test';
    expect(groupSamAccountName(ou, 'alpha', 'role:pupil')).not.toBe(groupSamAccountName(ou, 'beta', 'role:pupil'));
    expect(groupSamAccountName(ou, 'alpha', 'role:pupil')).not.toBe(groupSamAccountName(ou, 'alpha', 'role:staff'));
    expect(groupSamAccountName(ou, 'alpha', 'role:pupil')).not.toBe(groupSamAccountName(otherOu, 'alpha', 'role:pupil'));
    // Stable for the same OU however its DN is spelled.
    expect(groupSamAccountName(ou.toLowerCase(), 'alpha', 'role:pupil')).toBe(groupSamAccountName(ou, 'alpha', 'role:pupil'));
    expect(groupSamAccountName(ou, 'alpha', 'role:pupil')).toMatch(/^g-[0-9a-f]{6}-[0-9a-f]{11}$/);
    expect(groupSamAccountName(ou, 'alpha', 'role:pupil')).toHaveLength(20);
  });
});
