// Identity events as identity-normalizer publishes them, for the provisioner's tests.
import { randomUUID } from 'node:crypto';
import type { PersonIdentityV1 } from '@skolkonto/contracts';

let counter = 0;

export function aPupil(overrides: Partial<PersonIdentityV1> & { givenName?: string; familyName?: string; school?: string; klass?: string } = {}): PersonIdentityV1 {
  const { givenName = 'Åsa', familyName = 'Öberg', school = '12345678', klass, ...rest } = overrides;
  const schoolId = randomUUID();
  const classId = randomUUID();
  counter += 1;
  return {
    identityId: randomUUID(),
    tenant: 'alpha',
    version: 1,
    status: 'active',
    names: { givenName, familyName, displayName: `${givenName} ${familyName}`, protected: false },
    affiliations: ['student', 'member'],
    schoolUnits: [{ organisationId: schoolId, schoolUnitCode: school, displayName: `Skola ${school}`, roles: ['student'] }],
    ...(klass ? { class: { groupId: classId, displayName: klass, schoolUnitCode: school } } : {}),
    groups: [],
    enrolments: [{ organisationId: schoolId, schoolUnitCode: school, schoolType: 'GR', schoolYear: 7, startDate: '2026-08-17' }],
    duties: [],
    sourceRefs: [{ system: 'ss12000', entity: 'Person', id: randomUUID() }],
    createdAt: '2026-08-10T07:00:00.000Z',
    updatedAt: new Date(Date.UTC(2026, 8, 1, 0, 0, counter)).toISOString(),
    statusChangedAt: '2026-08-17T05:00:00.000Z',
    ...rest,
  };
}

export function aStaffMember(overrides: Partial<PersonIdentityV1> & { givenName?: string; familyName?: string; school?: string } = {}): PersonIdentityV1 {
  const { givenName = 'Anna', familyName = 'Svensson', school = '12345678', ...rest } = overrides;
  const pupil = aPupil({ givenName, familyName, school });
  return {
    ...pupil,
    affiliations: ['staff', 'employee', 'member'],
    schoolUnits: [{ ...pupil.schoolUnits[0]!, roles: ['staff'] }],
    enrolments: [],
    ...rest,
  };
}

/** The next version of an identity with some fields changed. */
export function nextVersion(identity: PersonIdentityV1, changes: Partial<PersonIdentityV1> = {}): PersonIdentityV1 {
  return { ...identity, ...changes, version: identity.version + 1 };
}
