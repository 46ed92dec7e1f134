// Creates a tenant's OU tree in AD idempotently (an OU that exists is fine), at boot and before
// the first write into a school unit's OU.
import { DirectoryError, LdapDirectory, parseDn } from '@skolkonto/directory';
import { TenantLayout } from './tenant-layout';

export class EnsureLayoutService {
  private readonly known = new Set<string>();

  constructor(private readonly directory: LdapDirectory) {}

  async ensureLayout(layout: TenantLayout): Promise<void> {
    // OU=Skolkonto above the tenant root is shared by the tenants; create it too when missing.
    await this.ensureOu(layout.skolkontoDn);
    for (const dn of layout.baseOus()) await this.ensureOu(layout.guardSubtree(dn));
  }

  /** Ensures one OU below the tenant root (e.g. a school unit's OU), creating it when missing. */
  async ensureChildOu(layout: TenantLayout, dn: string): Promise<void> {
    await this.ensureOu(layout.guard(dn));
  }

  private async ensureOu(dn: string): Promise<void> {
    const key = dn.toLowerCase();
    if (this.known.has(key)) return;
    const name = parseDn(dn)[0]![0]!.value;
    try {
      await this.directory.add(dn, { objectClass: ['top', 'organizationalUnit'], ou: name });
    } catch (error) {
      if (!(error instanceof DirectoryError && error.code === 'ALREADY_EXISTS')) throw error;
    }
    this.known.add(key);
  }
}
