import { Client } from 'ldapts';
import { createTestOu, ldapConnect, testEnv } from '@skolkonto/testing';

async function exists(client: Client, dn: string): Promise<boolean> {
  try {
    const { searchEntries } = await client.search(dn, { scope: 'base', attributes: ['1.1'] });
    return searchEntries.length === 1;
  } catch (error) {
    if ((error as { code?: number }).code === 32) return false;
    throw error;
  }
}

describe('Samba AD over LDAPS', () => {
  it('binds with a verified certificate, creates an OU with children and deletes the whole subtree', async () => {
    const ou = await createTestOu('ldaps-roundtrip');
    const client = await ldapConnect();
    try {
      const child = `OU=classes,${ou.dn}`;
      await client.add(child, { objectClass: ['top', 'organizationalUnit'], ou: 'classes' });
      await client.add(`CN=group-7a,${child}`, {
        objectClass: ['top', 'group'],
        sAMAccountName: `g-${ou.name.slice(-10)}`,
        groupType: String(0x80000002 | 0),
      });
      expect(await exists(client, ou.dn)).toBe(true);
      expect(await exists(client, `CN=group-7a,${child}`)).toBe(true);

      await ou.cleanup();

      expect(await exists(client, ou.dn)).toBe(false);
      await expect(ou.cleanup()).resolves.toBeUndefined();
    } finally {
      await client.unbind();
    }
  });

  it('refuses a certificate it cannot verify', async () => {
    const { ldap } = testEnv();
    const client = new Client({ url: ldap.url, connectTimeout: 5_000, tlsOptions: { ca: [] } });
    await expect(client.bind(ldap.bindDn, ldap.bindPassword)).rejects.toMatchObject({
      code: expect.stringMatching(/SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/),
    });
    await client.unbind().catch(() => undefined);
  });

  it('refuses a simple bind over plain ldap:// without TLS', async () => {
    const { ldap } = testEnv();
    const host = new URL(ldap.url).hostname;
    const client = new Client({ url: `ldap://${host}:389`, connectTimeout: 5_000 });
    try {
      // 8 = strongerAuthRequired ("Transport encryption required")
      await expect(client.bind(ldap.bindDn, ldap.bindPassword)).rejects.toMatchObject({ code: 8 });
    } finally {
      await client.unbind().catch(() => undefined);
    }
  });
});
