// The domain's password policy as AD enforces it: minPwdLength and the complexity bit of pwdProperties
// on the domain root. Read on first use and kept for a few minutes (it changes rarely, and AD stays
// the final judge: a refusal there is shown as a policy message).
import { attributeString, type LdapDirectory } from '@skolkonto/directory';
import type { DomainPasswordPolicy } from '../password-rules/password-rules';

const DOMAIN_PASSWORD_COMPLEX = 0x1;
const CACHE_MS = 5 * 60_000;

export class DomainPasswordPolicyReader {
  private cached?: { policy: DomainPasswordPolicy; at: number };

  constructor(
    private readonly directory: LdapDirectory,
    private readonly domainDn: string,
  ) {}

  async read(): Promise<DomainPasswordPolicy> {
    if (this.cached && Date.now() - this.cached.at < CACHE_MS) return this.cached.policy;
    const entry = await this.directory.findEntry(this.domainDn, ['minPwdLength', 'pwdProperties']);
    if (!entry) throw new Error(`the domain root ${this.domainDn} was not found (LDAP_BASE_DN)`);
    const minLength = Number(attributeString(entry, 'minPwdLength') || 0);
    const properties = Number(attributeString(entry, 'pwdProperties') || 0);
    const policy = {
      minLength: Number.isFinite(minLength) ? minLength : 0,
      complex: (properties & DOMAIN_PASSWORD_COMPLEX) !== 0,
    };
    this.cached = { policy, at: Date.now() };
    return policy;
  }
}
