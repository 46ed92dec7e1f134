// One valid example of every event's data. Used in the AsyncAPI document, the contract tests and as a
// starting point for test builders (libs/testing). Synthetic: no real person's data.
import type { EventDataOf, EVENTS } from './catalog';
import type { PersonIdentityV1 } from './identity/person-identity';

type Samples = { [K in keyof typeof EVENTS]: EventDataOf<(typeof EVENTS)[K]> };

const tenant = 'lidkoping';
const at = '2026-11-28T06:00:00.000Z';
const identityId = '6f1c1f5e-3b1a-4c8e-9d2a-1b2c3d4e5f60';
const personId = '0a4b5c6d-7e8f-4a0b-9c1d-2e3f4a5b6c7d';
const schoolId = '1b2c3d4e-5f60-4718-8a9b-0c1d2e3f4a5b';
const classId = '2c3d4e5f-6071-4829-9b0c-1d2e3f4a5b6c';
const accountId = '3d4e5f60-7182-4930-8c1d-2e3f4a5b6c7d';
const hash = 'a'.repeat(64);

function sampleIdentity(): PersonIdentityV1 {
  return {
    identityId,
    tenant,
    version: 3,
    status: 'active',
    statusCause: 'role-started',
    names: { givenName: 'Åsa', familyName: 'Lindqvist', displayName: 'Åsa Lindqvist', protected: false },
    email: 'asa.lindqvist@elev.lidkoping.se',
    affiliations: ['student', 'member'],
    schoolUnits: [
      { organisationId: schoolId, schoolUnitCode: '12345678', displayName: 'Västerskolan', municipalityCode: '1494', roles: ['student'] },
    ],
    class: { groupId: classId, displayName: '7B', schoolUnitCode: '12345678' },
    groups: [
      { groupId: classId, displayName: '7B', groupType: 'Klass', organisationId: schoolId, role: 'member' },
    ],
    enrolments: [{ organisationId: schoolId, schoolUnitCode: '12345678', schoolType: 'GR', schoolYear: 7, startDate: '2026-08-17' }],
    duties: [],
    sourceRefs: [{ system: 'ss12000', entity: 'Person', id: personId }],
    createdAt: '2025-08-10T07:00:00.000Z',
    updatedAt: at,
    statusChangedAt: '2025-08-17T05:00:00.000Z',
  };
}

function account() {
  return {
    identityId,
    tenant,
    identityVersion: 3,
    accountId,
    sAMAccountName: 'asli0001',
    userPrincipalName: 'asli0001@elev.lidkoping.se',
    distinguishedName: 'CN=asli0001,OU=Elever,OU=Vasterskolan,OU=lidkoping,DC=skol,DC=test',
    enabled: true,
    occurredAt: at,
  };
}

const register = { tenant, observedAt: at };

export const SAMPLE_EVENT_DATA: Samples = {
  registerPersonUpserted: {
    ...register,
    contentHash: hash,
    cause: 'delta',
    record: {
      id: personId,
      meta: { created: '2025-08-01T00:00:00Z', modified: '2026-11-27T12:00:00Z' },
      givenName: 'Åsa',
      familyName: 'Lindqvist',
      civicNo: { value: '201301019999', nationality: 'SE' },
      securityMarking: 'Ingen',
      enrolments: [{ enroledAt: { id: schoolId }, schoolType: 'GR', schoolYear: 7, startDate: '2026-08-17' }],
    },
  },
  registerPersonDeleted: { ...register, id: personId, detectedBy: 'deletedEntities' },
  registerOrganisationUpserted: {
    ...register,
    contentHash: hash,
    cause: 'reconcile',
    record: { id: schoolId, displayName: 'Västerskolan', organisationType: 'Skolenhet', schoolUnitCode: '12345678' },
  },
  registerOrganisationDeleted: { ...register, id: schoolId, detectedBy: 'reconcile' },
  registerGroupUpserted: {
    ...register,
    contentHash: hash,
    cause: 'webhook',
    record: { id: classId, displayName: '7B', groupType: 'Klass', groupMemberships: [{ person: { id: personId }, startDate: '2026-08-17' }] },
  },
  registerGroupDeleted: { ...register, id: classId, detectedBy: 'deletedEntities' },
  registerDutyUpserted: {
    ...register,
    contentHash: hash,
    cause: 'delta',
    record: { id: accountId, dutyRole: 'Lärare', dutyAt: { id: schoolId }, startDate: '2024-08-01' },
  },
  registerDutyDeleted: { ...register, id: accountId, detectedBy: 'deletedEntities' },
  registerSyncCompleted: { tenant, kind: 'delta', startedAt: at, completedAt: at, changes: 3 },

  identityPersonChanged: { ...sampleIdentity(), changedFields: ['class', 'groups'] },
  identityPersonDeactivated: { ...sampleIdentity(), status: 'deactivated', version: 4, reason: 'grace-expired' },
  identityPersonReactivated: { ...sampleIdentity(), version: 5, reason: 're-enrolled' },

  sensitiveCivicNumberChanged: { identityId, tenant, version: 3, civicNo: '201301019999', kind: 'personnummer', changedAt: at },

  directoryAccountProvisioned: { ...account(), mode: 'created' },
  directoryAccountUpdated: { ...account(), changedAttributes: ['department', 'memberOf'] },
  directoryAccountMoved: { ...account(), fromDn: 'CN=asli0001,OU=Elever,OU=Osterskolan,OU=lidkoping,DC=skol,DC=test' },
  directoryAccountDisabled: { ...account(), enabled: false, reason: 'identity deactivated (grace-expired)' },
  directoryAccountDeleted: { ...account(), enabled: false, reason: 'retention period ended' },
  directoryAccountClaimed: { identityId, tenant, accountId, sAMAccountName: 'asli0001', claimCodeId: '71829304-b5c6-4d74-8a5b-6c7d8e9fa0b1', claimedAt: at },
  directoryAccountFailed: {
    identityId,
    tenant,
    identityVersion: 3,
    operation: 'provision',
    error: { code: 'CONSTRAINT', message: 'the OU for school unit 12345678 does not exist' },
    retryable: false,
    attempts: 1,
    occurredAt: at,
  },
  directoryGroupSynced: {
    tenant,
    groupId: classId,
    adGroupId: accountId,
    distinguishedName: 'CN=vasterskolan-7b,OU=Grupper,OU=lidkoping,DC=skol,DC=test',
    memberCount: 24,
    added: [identityId],
    removed: [],
    occurredAt: at,
  },
  directoryDriftDetected: {
    tenant,
    kind: 'attribute',
    identityId,
    accountId,
    distinguishedName: 'CN=asli0001,OU=Elever,OU=Vasterskolan,OU=lidkoping,DC=skol,DC=test',
    attributes: [{ name: 'department', expected: '12345678', actual: '87654321' }],
    action: 'corrected',
    detectedAt: at,
  },

  federationAttributesPublished: {
    identityId,
    tenant,
    identityVersion: 3,
    protected: false,
    attributes: {
      eduPersonPrincipalName: 'k3x9q2@lidkoping.se',
      eduPersonScopedAffiliation: ['student@lidkoping.se', 'member@lidkoping.se'],
      sisSchoolUnitCode: ['12345678'],
      givenName: 'Åsa',
      sn: 'Lindqvist',
      displayName: 'Åsa Lindqvist',
      schacHomeOrganization: 'lidkoping.se',
    },
    publishedAt: at,
  },
  federationAttributesFailed: {
    identityId,
    tenant,
    identityVersion: 3,
    failures: [
      { attribute: 'sisSchoolUnitCode', rule: 'sisSchoolUnitCode must be exactly 8 digits', value: '1234567' },
      { attribute: 'mail', rule: 'mail must be an address local@domain' },
    ],
    failedAt: at,
  },
  federationAttributesRevoked: {
    identityId,
    tenant,
    identityVersion: 4,
    eduPersonPrincipalName: 'k3x9q2@lidkoping.se',
    reason: 'deactivated',
    revokedAt: at,
  },

  opsPlanHeld: {
    planId: '4e5f6071-8293-4a41-9d2e-3f4a5b6c7d8e',
    tenant,
    sourceApp: 'ad-provisioner',
    reason: '212 disables exceed the threshold of 50 (or 10%)',
    thresholds: [{ kind: 'count', limit: 50, actual: 212 }],
    operations: [
      { index: 0, action: 'disable', identityId, target: 'CN=asli0001,OU=Elever,OU=Vasterskolan,OU=lidkoping,DC=skol,DC=test', before: { enabled: true }, after: { enabled: false } },
    ],
    heldAt: at,
  },
  opsPlanApproved: {
    planId: '4e5f6071-8293-4a41-9d2e-3f4a5b6c7d8e',
    tenant,
    sourceApp: 'ad-provisioner',
    decidedBy: 'operator.anna',
    decidedAt: at,
  },
  opsPlanRejected: {
    planId: '4e5f6071-8293-4a41-9d2e-3f4a5b6c7d8e',
    tenant,
    sourceApp: 'ad-provisioner',
    decidedBy: 'operator.anna',
    decidedAt: at,
    reason: 'the register export was incomplete',
  },
  opsRecordRejected: {
    tenant,
    sourceApp: 'identity-normalizer',
    record: { system: 'ss12000', entity: 'Person', id: personId },
    code: 'MISSING_NAME',
    reasons: ['givenName is missing'],
    rejectedAt: at,
  },
  opsDeadletterRecorded: {
    tenant,
    consumer: 'ad-provisioner-provision-account',
    stream: 'IDENTITY',
    streamSequence: 1042,
    originalSubject: 'identity.lidkoping.person.changed',
    originalEventId: '5f607182-93a4-4b52-8e3f-4a5b6c7d8e9f',
    originalType: 'se.skolkonto.identity.person.changed.v1',
    deadLetterSubject: 'deadletter.identity.lidkoping.person.changed',
    deadLetterSequence: 17,
    attempts: 5,
    kind: 'exhausted',
    error: { code: 'UNAVAILABLE', message: 'LDAP server unavailable' },
    recordedAt: at,
  },
  opsClaimcodeIssued: {
    claimCodeId: '71829304-b5c6-4d74-8a5b-6c7d8e9fa0b1',
    tenant,
    identityId,
    sAMAccountName: 'asli0001',
    issuedBy: 'birgitta',
    scope: 'class',
    replacedPrevious: false,
    issuedAt: at,
    expiresAt: '2026-12-12T06:00:00.000Z',
  },
  opsReviewRequested: {
    reviewId: '60718293-a4b5-4c63-9f4a-5b6c7d8e9fa0',
    tenant,
    sourceApp: 'identity-normalizer',
    kind: 'ambiguous-correlation',
    record: { system: 'ss12000', entity: 'Person', id: personId },
    candidates: [{ identityId, matchedOn: ['same name', 'same birth date'] }],
    reason: 'two identities match the same register person',
    requestedAt: at,
  },
  opsReviewResolved: {
    reviewId: '60718293-a4b5-4c63-9f4a-5b6c7d8e9fa0',
    tenant,
    sourceApp: 'identity-normalizer',
    decision: 'link',
    keepIdentityId: identityId,
    decidedBy: 'operator.anna',
    decidedAt: at,
  },
};
