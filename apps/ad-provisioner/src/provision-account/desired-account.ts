// What AD should hold for one identity, derived from the identity event alone (pure): account
// kind, school unit, enabled state, display attributes, the correlation id and the groups.
import { createHash } from 'node:crypto';
import type { PersonIdentityV1 } from '@skolkonto/contracts';
import { childDn, normalizeDn } from '@skolkonto/directory';
import type { TenantConfig } from '@skolkonto/platform';
import { TenantLayout } from '../directory-layout/tenant-layout';

export type AccountKind = 'pupil' | 'staff';

/**
 * The AD attribute holding the register's person id, so correlation survives renames and moves and an
 * existing account is adopted, never duplicated. In the base schema (2012 and later; Samba has it),
 * single-valued, long enough for a uuid (employeeID holds 16 characters) and indexed, so adoption is
 * an index lookup rather than a scan of the tenant's accounts. employeeNumber is left to the
 * federation attribute mapping (ePPN by default).
 */
export const CORRELATION_ATTRIBUTE = 'msDS-cloudExtensionAttribute1';
/** present = enabled in its school OU; leaver = disabled in the leavers OU; none = no account wanted. */
export type AccountState = 'present' | 'leaver' | 'none';

export interface DesiredGroup {
  /** Stable key within the tenant (school:<code>:pupils, class:<groupId>, role:staff …). */
  key: string;
  dn: string;
  cn: string;
  sAMAccountName: string;
  description: string;
}

export interface DesiredAccount {
  identityId: string;
  tenant: string;
  identityVersion: number;
  kind: AccountKind;
  state: AccountState;
  schoolUnitCode: string | null;
  /** The OU the account belongs in for its state. */
  ouDn: string;
  givenName: string;
  sn: string;
  displayName: string;
  /** The register's person id (or the identity id), written to CORRELATION_ATTRIBUTE: what adoption finds an account by. */
  registerPersonId: string;
  groups: DesiredGroup[];
}

/** AD limits CN to 64 characters; control characters are dropped (Samba cannot delete CNs with NUL). */
export function accountCn(displayName: string, sAMAccountName: string): string {
  const suffix = ` (${sAMAccountName})`;
  const clean = Array.from(stripControl(displayName).trim() || sAMAccountName);
  return `${clean.slice(0, 64 - suffix.length).join('').trimEnd()}${suffix}`;
}

function stripControl(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f]/g, '');
}

function limit(text: string, max: number): string {
  const chars = Array.from(stripControl(text));
  return chars.length > max ? chars.slice(0, max).join('') : chars.join('');
}

/** Where the account was placed last time, for a person who has no active role right now. */
export interface PreviousPlacement {
  kind: AccountKind;
  schoolUnitCode: string | null;
}

export function toDesiredAccount(
  identity: PersonIdentityV1,
  tenant: TenantConfig,
  layout: TenantLayout,
  previous?: PreviousPlacement,
): DesiredAccount {
  const staffUnits = identity.schoolUnits.filter((u) => u.roles.includes('staff'));
  const pupilUnits = identity.schoolUnits.filter((u) => u.roles.includes('student'));
  // A leaving person has no active role; during the grace period the account stays where it was
  // (a pupil who left is not staff), only role-bound group memberships end.
  const roleless = staffUnits.length === 0 && pupilUnits.length === 0 && !identity.affiliations.includes('student');
  const keepPlace = roleless && identity.status === 'leaving' && previous !== undefined;
  const kind: AccountKind = keepPlace
    ? previous.kind
    : staffUnits.length > 0 || (pupilUnits.length === 0 && !identity.affiliations.includes('student'))
      ? 'staff'
      : 'pupil';
  const units = (kind === 'staff' ? staffUnits : pupilUnits).map((u) => u.schoolUnitCode).sort();
  const schoolUnitCode = keepPlace ? previous.schoolUnitCode : (units[0] ?? null);

  const state: AccountState =
    identity.status === 'active' || identity.status === 'leaving'
      ? 'present'
      : identity.status === 'suspended' || identity.status === 'deactivated'
        ? 'leaver'
        : 'none';

  const names = identity.names;
  const displayName = names.protected ? tenant.naming.protectedDisplayName : names.displayName;
  const personRef = identity.sourceRefs.find((ref) => ref.entity === 'Person');

  const groups: DesiredGroup[] = [];
  if (state === 'present') {
    const group = (key: string, cn: string, description: string): DesiredGroup => ({
      key,
      cn: limit(cn, 64),
      dn: childDn('CN', limit(cn, 64), layout.groupsDn),
      sAMAccountName: groupSamAccountName(layout.rootDn, tenant.id, key),
      description,
    });
    const roleLabel = kind === 'pupil' ? 'Elever' : 'Personal';
    groups.push(group(`role:${kind}`, `${roleLabel} alla`, `All ${kind === 'pupil' ? 'pupils' : 'staff'} of ${tenant.name}`));
    for (const code of units) {
      groups.push(group(`school:${code}:${kind}`, `${roleLabel} ${code}`, `${roleLabel} at school unit ${code}`));
    }
    if (kind === 'pupil' && identity.class) {
      const where = identity.class.schoolUnitCode ?? identity.class.groupId.slice(0, 8);
      groups.push(group(`class:${identity.class.groupId}`, `Klass ${identity.class.displayName} (${where})`, `Class group ${identity.class.groupId}`));
    }
  }

  return {
    identityId: identity.identityId,
    tenant: tenant.id,
    identityVersion: identity.version,
    kind,
    state,
    schoolUnitCode,
    ouDn: state === 'leaver' ? layout.leaversDn : layout.accountOuDn(kind, schoolUnitCode),
    givenName: limit(names.protected ? displayName : names.givenName, 64),
    sn: limit(names.protected ? displayName : names.familyName, 64),
    displayName: limit(displayName, 256),
    registerPersonId: personRef?.id ?? identity.identityId,
    groups,
  };
}

/**
 * Groups need a domain-unique sAMAccountName too (20 characters): `g-`, a short hash of the tenant's
 * OU DN (so two deployments or test OUs in one domain never collide) and a hash of tenant and key.
 */
export function groupSamAccountName(tenantRootDn: string, tenant: string, key: string): string {
  // Asked for every group of every account in every batch: two hashes each time showed in profiles.
  const cacheKey = `${tenantRootDn}\u0000${tenant}\u0000${key}`;
  let name = groupNames.get(cacheKey);
  if (name === undefined) {
    const hash = (text: string) => createHash('sha256').update(text).digest('hex');
    name = `g-${hash(normalizeDn(tenantRootDn)).slice(0, 6)}-${hash(`${tenant}\u0000${key}`).slice(0, 11)}`;
    if (groupNames.size >= 50_000) groupNames.clear();
    groupNames.set(cacheKey, name);
  }
  return name;
}

const groupNames = new Map<string, string>();

/** The name groups had before it carried the OU hash: a group at our DN with it is still ours. */
export function legacyGroupSamAccountName(tenant: string, key: string): string {
  return `g-${createHash('sha256').update(`${tenant}\u0000${key}`).digest('hex').slice(0, 17)}`;
}
