// Where a tenant's objects live in AD: OU=<Tenant>,OU=Skolkonto,<base> with pupils, staff, groups
// and leavers below it (names from config/tenants.yaml), and the guard that keeps every write of a
// tenant inside that subtree whatever an event carries.
import { childDn, isDnWithin } from '@skolkonto/directory';
import type { TenantConfig } from '@skolkonto/platform';

export class TenantBoundaryError extends Error {
  constructor(
    readonly tenant: string,
    readonly dn: string,
  ) {
    super(`refused: ${dn.slice(0, 300)} is outside the OU of tenant ${tenant}`);
    this.name = 'TenantBoundaryError';
  }
}

export class TenantLayout {
  /** OU=Skolkonto,<base>: shared by the tenants, created but never written below except per tenant. */
  readonly skolkontoDn: string;
  readonly rootDn: string;
  readonly pupilsDn: string;
  readonly staffDn: string;
  readonly groupsDn: string;
  readonly leaversDn: string;

  constructor(
    readonly tenant: TenantConfig,
    /** The DN under which `OU=<skolkontoOu>` lives (normally the domain, e.g. DC=skola,DC=test). */
    accountsBaseDn: string,
    skolkontoOu = 'Skolkonto',
  ) {
    this.skolkontoDn = childDn('OU', skolkontoOu, accountsBaseDn);
    this.rootDn = childDn('OU', tenant.directory.ouName, this.skolkontoDn);
    this.pupilsDn = childDn('OU', tenant.directory.pupilsOu, this.rootDn);
    this.staffDn = childDn('OU', tenant.directory.staffOu, this.rootDn);
    this.groupsDn = childDn('OU', tenant.directory.groupsOu, this.rootDn);
    this.leaversDn = childDn('OU', tenant.directory.leaversOu, this.rootDn);
  }

  get id(): string {
    return this.tenant.id;
  }

  /** The OU an enabled account of this kind belongs in: one OU per school unit below pupils/staff. */
  accountOuDn(kind: 'pupil' | 'staff', schoolUnitCode: string | null): string {
    const parent = kind === 'pupil' ? this.pupilsDn : this.staffDn;
    return schoolUnitCode ? childDn('OU', schoolUnitCode, parent) : parent;
  }

  /** Every OU the layout consists of, parents first (what ensureLayout creates). */
  baseOus(): string[] {
    return [this.rootDn, this.pupilsDn, this.staffDn, this.groupsDn, this.leaversDn];
  }

  /** Throws unless `dn` is strictly below the tenant's root OU (the root itself is never written). */
  guard(dn: string): string {
    if (!isDnWithin(dn, this.rootDn, { allowSelf: false })) throw new TenantBoundaryError(this.tenant.id, dn);
    return dn;
  }

  /** Like guard, but the root OU itself is allowed (creating the layout, searching the subtree). */
  guardSubtree(dn: string): string {
    if (!isDnWithin(dn, this.rootDn)) throw new TenantBoundaryError(this.tenant.id, dn);
    return dn;
  }
}
