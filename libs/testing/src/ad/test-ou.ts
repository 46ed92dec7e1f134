// A fresh organizational unit per test file in the real directory (Samba AD DC over LDAPS with
// certificate verification), so tests of different packages never see each other's objects.
import { Client } from 'ldapts';
import { testEnv } from '../env/test-env';
import { uniqueName } from '../unique-name';

export interface TestOu {
  /** Distinguished name of the OU, directly under LDAP_BASE_DN. */
  readonly dn: string;
  /** The OU's name (the value of its `OU=` RDN). */
  readonly name: string;
  /** Deletes the OU and everything below it; safe to call twice. */
  cleanup(): Promise<void>;
}

/** An LDAPS client bound as the stack's administrator; the caller unbinds it. */
export async function ldapConnect(): Promise<Client> {
  const { ldap } = testEnv();
  const client = new Client({
    url: ldap.url,
    timeout: 30_000,
    connectTimeout: 10_000,
    tlsOptions: { ca: [ldap.ca], minVersion: 'TLSv1.2' },
  });
  try {
    await client.bind(ldap.bindDn, ldap.bindPassword);
  } catch (error) {
    await client.unbind().catch(() => undefined);
    throw error;
  }
  return client;
}

/** Creates `OU=<label>-<random>,<LDAP_BASE_DN>`. */
export async function createTestOu(label = 'test'): Promise<TestOu> {
  const { ldap } = testEnv();
  const name = uniqueName(label);
  const dn = `OU=${name},${ldap.baseDn}`;
  const client = await ldapConnect();
  try {
    await client.add(dn, {
      objectClass: ['top', 'organizationalUnit'],
      ou: name,
      description: 'skolkonto test OU',
    });
  } finally {
    await client.unbind();
  }
  return { dn, name, cleanup: () => deleteSubtree(dn) };
}

/** Deletes `dn` and all entries below it, deepest first. A missing `dn` is not an error. */
export async function deleteSubtree(dn: string): Promise<void> {
  const client = await ldapConnect();
  try {
    let entries: string[];
    try {
      const result = await client.search(dn, {
        scope: 'sub',
        filter: '(objectClass=*)',
        attributes: ['1.1'],
        paged: { pageSize: 500 },
      });
      entries = result.searchEntries.map((entry) => entry.dn);
    } catch (error) {
      if (isNoSuchObject(error)) return;
      throw error;
    }
    entries.sort((a, b) => dnDepth(b) - dnDepth(a));
    for (const entry of entries) {
      try {
        await client.del(entry);
      } catch (error) {
        if (!isNoSuchObject(error)) throw error;
      }
    }
  } finally {
    await client.unbind();
  }
}

export function dnDepth(dn: string): number {
  // Count RDN separators: commas not escaped by a backslash (an escaped backslash "\\" does not escape).
  let separators = 0;
  for (let i = 0; i < dn.length; i++) {
    if (dn[i] === '\\') i++;
    else if (dn[i] === ',') separators++;
  }
  return separators + 1;
}

function isNoSuchObject(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 32;
}
