import { randomUUID } from 'node:crypto';
import type { IdentitySnapshot } from '../src/publish-attributes/identity-snapshot';
import { parseReleaseSettings, type ReleaseSettings } from '../src/release-settings/release-settings';

export const TENANTS = [
  { id: 'skara', federation: { scope: 'skara.se' } },
  { id: 'gotene', federation: { scope: 'gotene.se' } },
];

export const LMS = 'https://lms.example.org/shibboleth';
export const LIBRARY = 'https://library.example.org/sp';
export const NIN_SP = 'https://exam.example.org/sp';
export const MAIL_SP = 'https://mail.example.org/sp';

export const SETTINGS_YAML = `
tenants:
  - tenant: skara
    pairwiseSecretEnv: PAIRWISE_SECRET_SKARA
    serviceProviders:
      - entityId: ${LMS}
        attributes: [eduPersonPrincipalName, eduPersonScopedAffiliation, givenName, sn, displayName, mail, sisSchoolUnitCode, isMemberOf]
      - entityId: ${LIBRARY}
        attributes: [pairwise-id, eduPersonScopedAffiliation]
      - entityId: ${NIN_SP}
        attributes: [eduPersonPrincipalName, norEduPersonNIN, givenName]
        protectedIdentityAllows: [givenName]
      - entityId: ${MAIL_SP}
        attributes: [eduPersonPrincipalName, mail]
        protectedIdentityAllows: [mail]
  - tenant: gotene
    pairwiseSecretEnv: PAIRWISE_SECRET_GOTENE
    groupAttribute: eduPersonEntitlement
    serviceProviders:
      - entityId: ${LMS}
        attributes: [eduPersonPrincipalName, givenName]
idpClients:
  - id: shibboleth-skara
    tokenEnv: IDP_TOKEN_SKARA
    tenants: [skara]
  - id: shibboleth-all
    tokenEnv: IDP_TOKEN_ALL
    tenants: [skara, gotene]
`;

export const SETTINGS_ENV = {
  PAIRWISE_SECRET_SKARA: 'skara-pairwise-secret-0123456789',
  PAIRWISE_SECRET_GOTENE: 'gotene-pairwise-secret-012345678',
  IDP_TOKEN_SKARA: 'skara-idp-token-0123456789abcdef0123456789',
  IDP_TOKEN_ALL: 'all-tenants-idp-token-0123456789abcdef01234',
};

export function testSettings(extraYaml = ''): ReleaseSettings {
  return parseReleaseSettings(SETTINGS_YAML + extraYaml, TENANTS, SETTINGS_ENV);
}

/** An active pupil in Skara unless overridden. */
export function anIdentity(overrides: Partial<IdentitySnapshot> = {}): IdentitySnapshot {
  return {
    identityId: randomUUID(),
    tenant: 'skara',
    version: 1,
    status: 'active',
    names: { givenName: 'Åsa', familyName: 'Ek', displayName: 'Åsa Ek', protected: false },
    schoolUnits: [{ schoolUnitCode: '12345678', roles: ['student'] }],
    groups: [{ displayName: 'Klass 7B' }],
    enrolments: [{ schoolUnitCode: '12345678' }],
    duties: [],
    email: 'asa.ek@elev.skara.se',
    sourceRefs: [{ system: 'ss12000', entity: 'Person', id: randomUUID() }],
    ...overrides,
  };
}

/** Polls `check` until it stops throwing (the read model follows the database asynchronously). */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
