import fc from 'fast-check';
import { EMAIL_PATTERN } from '@skolkonto/contracts';
import { DEFAULT_LIFECYCLE_POLICY, normalizeEmail, type LifecycleStatus } from '@skolkonto/domain';
import { buildIdentity, lifecycleSteps, type IdentityFacts, type StoredOrganisation } from './build-identity';

const unitId = '00000000-0000-4000-8000-0000000000aa';
const organisations = new Map<string, StoredOrganisation>([[unitId, { id: unitId, displayName: 'Vallhamra skola', organisationType: 'Skolenhet', schoolUnitCode: '12345678' }]]);
const active: LifecycleStatus = { state: 'active', cause: 'ROLE_STARTED', since: '2026-08-15' };

const facts = (over: Partial<IdentityFacts> = {}): IdentityFacts => ({
  identityId: '00000000-0000-4000-8000-000000000001',
  tenant: 'skara',
  person: {
    id: '00000000-0000-4000-8000-000000000002',
    registerId: '',
    givenName: 'Åsa',
    middleName: null,
    familyName: 'Berg',
    civicNo: null,
    securityMarking: 'Ingen',
    personStatus: 'Aktiv',
    emails: [{ value: 'Asa.Berg@Elev.Skara.se', type: 'Skola elev' }],
    deleted: false,
  },
  enrolments: [{ organisationId: unitId, schoolType: 'GR', schoolYear: 7, programme: null, startDate: '2026-08-15', endDate: '2027-06-15', cancelled: false }],
  duties: [],
  memberships: [],
  organisations,
  current: active,
  movedToOtherTenant: false,
  ...over,
});

describe(buildIdentity.name, () => {
  it('publishes the school address lower-cased, and none for a protected person', () => {
    expect(buildIdentity(facts(), '2026-09-01', DEFAULT_LIFECYCLE_POLICY).body.email).toBe('asa.berg@elev.skara.se');
    const hidden = buildIdentity(facts({ person: { ...facts().person, securityMarking: 'Sekretessmarkering' } }), '2026-09-01', DEFAULT_LIFECYCLE_POLICY);
    expect(hidden.body).not.toHaveProperty('email');
    expect(hidden.body.names.protected).toBe(true);
  });

  it('publishes only addresses the contract accepts (else the outbox row would block the stream)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.emailAddress(), fc.string(), fc.constantFrom('elev@götene.se', 'a.b+c@x-y.skara.se')), (raw) => {
        const parsed = normalizeEmail(raw);
        if (parsed.valid) expect(parsed.value).toMatch(EMAIL_PATTERN);
      }),
      { numRuns: 2000 },
    );
  });

  it('flags an invalid address without stopping the identity', () => {
    const built = buildIdentity(facts({ person: { ...facts().person, emails: [{ value: 'asa@', type: 'Skola elev' }] } }), '2026-09-01', DEFAULT_LIFECYCLE_POLICY);
    expect(built).toMatchObject({ emailProblem: 'FORMAT', body: { status: 'active', statusCause: 'role-started' } });
    expect(built.body).not.toHaveProperty('email');
  });
});

describe(lifecycleSteps.name, () => {
  it("gives a mover's old identity one body per transition, each with the move as its cause", () => {
    const built = buildIdentity(facts({ movedToOtherTenant: true }), '2026-09-20', DEFAULT_LIFECYCLE_POLICY);
    const steps = lifecycleSteps(built);
    expect(steps.map((s) => [s.body.status, s.body.statusCause, s.body.graceEndsAt])).toEqual([
      ['leaving', 'moved-to-tenant', '2026-09-20T00:00:00.000Z'],
      ['suspended', 'moved-to-tenant', undefined],
    ]);
    expect(steps.map((s) => s.transitions.map((t) => `${t.from}>${t.to}`))).toEqual([['active>leaving'], ['leaving>suspended']]);
    expect(steps[1]!.body).toBe(built.body);
  });

  it('gives one body when nothing or one thing happened', () => {
    expect(lifecycleSteps(buildIdentity(facts(), '2026-09-01', DEFAULT_LIFECYCLE_POLICY))).toHaveLength(1);
  });
});
