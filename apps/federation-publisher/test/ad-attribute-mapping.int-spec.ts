import { computeAttributeSet, DEFAULT_AD_ATTRIBUTE_MAPPING, toAdAttributes } from '@skolkonto/domain';
import { attributeStrings, LdapDirectory } from '@skolkonto/directory';
import { createTestOu, testEnv, type TestOu } from '@skolkonto/testing';

/**
 * The default federation → AD attribute mapping (libs/domain) against the real directory (Samba AD DC):
 * every target attribute exists in the base schema with the arity the mapping needs, a user object
 * accepts the published values and reads them back, and the revocation change clears them.
 * Writing them in production is ad-provisioner's job; this proves the defaults are sound.
 */
describe('default AD attribute mapping (Samba AD)', () => {
  let directory: LdapDirectory;
  let ou: TestOu;
  const env = testEnv();

  beforeAll(async () => {
    directory = new LdapDirectory({ url: env.ldap.url, ca: env.ldap.ca, bindDn: env.ldap.bindDn, bindPassword: env.ldap.bindPassword });
    ou = await createTestOu('fedpub');
  });
  afterAll(async () => {
    await ou?.cleanup();
    await directory?.close();
  });

  it('targets attributes of the base schema with the right arity', async () => {
    const schema = `CN=Schema,CN=Configuration,${env.ldap.baseDn}`;
    for (const entry of DEFAULT_AD_ATTRIBUTE_MAPPING) {
      const [found] = await directory.search(schema, {
        scope: 'one',
        filter: `(&(objectClass=attributeSchema)(lDAPDisplayName=${entry.adAttribute}))`,
        attributes: ['lDAPDisplayName', 'isSingleValued', 'attributeSyntax'],
      });
      expect({ attribute: entry.adAttribute, exists: found !== undefined }).toEqual({ attribute: entry.adAttribute, exists: true });
      const single = attributeStrings(found!, 'isSingleValued')[0] === 'TRUE';
      if (entry.mode === 'multi') expect({ attribute: entry.adAttribute, single }).toEqual({ attribute: entry.adAttribute, single: false });
      // Directory String (2.5.5.12): free text, so ePPN, scoped values and codes fit as they are.
      expect(attributeStrings(found!, 'attributeSyntax')[0]).toBe('2.5.5.12');
    }
  });

  it('stores the published set on a user and clears it on revoke', async () => {
    const dn = `CN=fedpub-user,${ou.dn}`;
    await directory.add(dn, { objectClass: ['top', 'person', 'organizationalPerson', 'user'], sAMAccountName: `fp${Date.now() % 1e8}` });
    const { attributes } = computeAttributeSet({
      scope: 'skara.se',
      identifiers: { eduPersonPrincipalName: 'k3x9qa7b@skara.se', eduPersonUniqueId: 'q1w2e3r4t5y6u7i8o9p0@skara.se', subjectId: 'z1x2c3v4b5n6m7a8s9d0@skara.se' },
      roles: [{ kind: 'staff', dutyRole: 'Lärare' }],
      schoolUnitCodes: ['12345678', '87654321'],
    });
    const published = toAdAttributes(attributes);
    await directory.modify(
      dn,
      Object.entries(published).map(([attribute, values]) => ({ operation: 'replace' as const, attribute, values })),
    );
    const names = Object.keys(published);
    const [stored] = await directory.search(dn, { scope: 'base', attributes: names });
    for (const name of names) expect({ name, values: attributeStrings(stored!, name).sort() }).toEqual({ name, values: [...published[name]!].sort() });

    const revoked = toAdAttributes({});
    await directory.modify(
      dn,
      Object.entries(revoked).map(([attribute, values]) => ({ operation: 'replace' as const, attribute, values })),
    );
    const [cleared] = await directory.search(dn, { scope: 'base', attributes: names });
    for (const name of names) expect({ name, values: attributeStrings(cleared!, name) }).toEqual({ name, values: [] });
  });
});
