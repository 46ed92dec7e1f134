// LdapDirectory against the real Samba AD DC of the stack, in a fresh OU per test file.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestOu, testEnv, TestOu } from '@skolkonto/testing';
import {
  DirectoryError,
  GROUP_TYPE_GLOBAL_SECURITY,
  LdapDirectory,
  UAC_ENABLED,
  attributeBuffer,
  attributeString,
  attributeStrings,
  binaryEqualsFilter,
  childDn,
  equalsFilter,
  firstRdnValue,
  generateStrongPassword,
  guidBaseDn,
  guidToString,
  isDnWithin,
  parseDn,
  toUnicodePwd,
} from '../src';

const env = testEnv();
let ou: TestOu;
let directory: LdapDirectory;

function options(overrides: Partial<ConstructorParameters<typeof LdapDirectory>[0]> = {}) {
  return {
    url: env.ldap.url,
    ca: env.ldap.ca,
    bindDn: env.ldap.bindDn,
    bindPassword: env.ldap.bindPassword,
    poolSize: 3,
    ...overrides,
  };
}

async function addUser(parent: string, cn: string, sam: string, password?: string) {
  const dn = childDn('CN', cn, parent);
  await directory.add(dn, {
    objectClass: ['top', 'person', 'organizationalPerson', 'user'],
    sAMAccountName: sam,
    userPrincipalName: `${sam}@${env.ldap.realm.toLowerCase()}`,
    givenName: cn.slice(0, 60) || 'x',
    sn: 'Test',
    displayName: cn,
    ...(password ? { unicodePwd: toUnicodePwd(password), userAccountControl: UAC_ENABLED } : {}),
  });
  return dn;
}

beforeAll(async () => {
  ou = await createTestOu('directory');
  directory = new LdapDirectory(options());
});

afterAll(async () => {
  // Deepest first, counting RDNs with the RFC 4514 parser (a value ending in a backslash defeats
  // the simple split in libs/testing's deleteSubtree).
  if (directory && ou) {
    const entries = await directory.search(ou.dn, { scope: 'sub', attributes: ['1.1'] });
    entries.sort((a, b) => parseDn(b.dn).length - parseDn(a.dn).length);
    for (const entry of entries) await directory.delete(entry.dn);
  }
  await directory?.close();
  await ou?.cleanup();
});

describe(LdapDirectory.name, () => {
  it('creates an enabled account with a password in one add, and the password works', async () => {
    const password = generateStrongPassword();
    const dn = await addUser(ou.dn, 'Åsa Öberg', 'asaobe01x');
    await directory.delete(dn);
    const created = await addUser(ou.dn, 'Åsa Öberg', 'asaobe01', password);
    const entry = await directory.findEntry(created, ['userAccountControl', 'sAMAccountName', 'objectGUID']);
    expect(attributeString(entry!, 'userAccountControl')).toBe('512');
    await expect(directory.verifyCredentials(created, password)).resolves.toBeUndefined();
    const wrong = await directory.verifyCredentials(created, 'Wrong-password-1').catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(DirectoryError);
    expect((wrong as DirectoryError).code).toBe('INVALID_CREDENTIALS');
    expect((wrong as DirectoryError).adDataCode).toBe('52e');
  });

  it('maps a duplicate sAMAccountName in another letter case to ALREADY_EXISTS and a duplicate DN too', async () => {
    await addUser(ou.dn, 'Kalle Anka', 'kalank01');
    const dupSam = await addUser(ou.dn, 'Kalle Anka 2', 'KALANK01').catch((e: unknown) => e);
    expect((dupSam as DirectoryError).code).toBe('ALREADY_EXISTS');
    const dupDn = await addUser(ou.dn, 'Kalle Anka', 'kalank02').catch((e: unknown) => e);
    expect((dupDn as DirectoryError).code).toBe('ALREADY_EXISTS');
    expect((dupDn as DirectoryError).retryable).toBe(false);
  });

  it('maps a weak password to CONSTRAINT and leaves nothing behind', async () => {
    const err = await addUser(ou.dn, 'Weak Pw', 'weakpw01', 'a').catch((e: unknown) => e);
    expect((err as DirectoryError).code).toBe('CONSTRAINT');
    expect(await directory.findEntry(childDn('CN', 'Weak Pw', ou.dn))).toBeNull();
  });

  it('sets a new password over LDAPS (the one bind that works is with it) and maps a policy refusal to CONSTRAINT', async () => {
    const sam = `setpw${Math.random().toString(36).slice(2, 9)}`;
    const dn = await addUser(ou.dn, `Set Pw ${sam}`, sam, generateStrongPassword());
    await directory.setPassword(dn, 'Moln-Cykel-Sju-83');
    await expect(directory.verifyCredentials(dn, 'Moln-Cykel-Sju-83')).resolves.toBeUndefined();
    const refused = await directory.setPassword(dn, 'onlylowercaseletters').catch((e: unknown) => e);
    expect((refused as DirectoryError).code).toBe('CONSTRAINT');
    expect((refused as DirectoryError).ldapCode).toBe(19);
    await expect(directory.verifyCredentials(dn, 'Moln-Cykel-Sju-83')).resolves.toBeUndefined();
  });

  it('maps missing objects to NOT_FOUND and non-empty OU deletes to NOT_EMPTY', async () => {
    const missing = await directory.delete(childDn('CN', 'nobody', ou.dn)).catch((e: unknown) => e);
    expect((missing as DirectoryError).code).toBe('NOT_FOUND');
    const sub = childDn('OU', 'nonempty', ou.dn);
    await directory.add(sub, { objectClass: ['top', 'organizationalUnit'], ou: 'nonempty' });
    await addUser(sub, 'Child', 'child001');
    const notEmpty = await directory.delete(sub).catch((e: unknown) => e);
    expect((notEmpty as DirectoryError).code).toBe('NOT_EMPTY');
  });

  // NUL is covered by the escaping properties only: Samba 4.17 accepts a CN with NUL but then cannot
  // delete it (its tombstone name collides), so the provisioner strips control characters from CNs.
  it.each([
    'Öberg, Åsa',
    'a+b=c',
    '"quoted"',
    'back\\slash\\',
    '#hash',
    ' spaced ',
    'semi;colon<>',
    'Дмитрий Иванов',
    '山田 太郎',
    'x'.repeat(64),
  ])('stores, finds, parses and moves the hostile name %j', async (name) => {
    const sam = `h${Math.random().toString(36).slice(2, 12)}`;
    const dn = await addUser(ou.dn, name, sam);
    const [found] = await directory.search(ou.dn, { filter: equalsFilter('sAMAccountName', sam), attributes: ['cn', 'displayName'] });
    expect(found).toBeDefined();
    expect(firstRdnValue(found!.dn)).toBe(name);
    expect(attributeString(found!, 'displayName')).toBe(name);
    expect(isDnWithin(found!.dn, ou.dn)).toBe(true);
    // the escaped value also works as a search filter value
    const byCn = await directory.search(ou.dn, { filter: equalsFilter('cn', name), attributes: ['sAMAccountName'] });
    expect(byCn.map((e) => attributeString(e, 'sAMAccountName'))).toEqual([sam]);
    // rename + move into a sub-OU whose name is hostile too
    const target = childDn('OU', `to ${name.slice(0, 40)}`, ou.dn);
    await directory.add(target, { objectClass: ['top', 'organizationalUnit'], ou: `to ${name.slice(0, 40)}` }).catch((e: unknown) => {
      if (!(e instanceof DirectoryError && e.code === 'ALREADY_EXISTS')) throw e;
    });
    const moved = childDn('CN', `${name.slice(0, 50)}, moved`, target);
    await directory.moveEntry(dn, moved);
    expect(await directory.findEntry(dn)).toBeNull();
    const after = await directory.findEntry(moved, ['sAMAccountName']);
    expect(attributeString(after!, 'sAMAccountName')).toBe(sam);
  });

  it('finds an object by binary objectGUID through a Buffer filter and a <GUID=…> base', async () => {
    const dn = await addUser(ou.dn, 'Guid Person', 'guid0001');
    const entry = await directory.findEntry(dn, ['objectGUID']);
    const guid = attributeBuffer(entry!, 'objectGUID')!;
    expect(guid).toHaveLength(16);
    const [byFilter] = await directory.search(ou.dn, { filter: binaryEqualsFilter('objectGUID', guid), attributes: ['sAMAccountName'] });
    expect(attributeString(byFilter!, 'sAMAccountName')).toBe('guid0001');
    const byBase = await directory.findEntry(guidBaseDn(guidToString(guid)), ['sAMAccountName']);
    expect(attributeString(byBase!, 'sAMAccountName')).toBe('guid0001');
  });

  it('pages through more entries than one page holds', async () => {
    const parent = childDn('OU', 'paged', ou.dn);
    await directory.add(parent, { objectClass: ['top', 'organizationalUnit'], ou: 'paged' });
    await Promise.all(Array.from({ length: 23 }, (_, i) => addUser(parent, `Paged ${i}`, `paged${String(i).padStart(3, '0')}`)));
    const pages: number[] = [];
    for await (const page of directory.searchPages(parent, { scope: 'one', filter: '(objectClass=user)', attributes: ['1.1'], pageSize: 5 })) {
      pages.push(page.length);
    }
    expect(pages.reduce((a, b) => a + b, 0)).toBe(23);
    expect(pages.length).toBeGreaterThanOrEqual(5);
  });

  it('adds and deletes single member values without rewriting the list', async () => {
    const a = await addUser(ou.dn, 'Member A', 'membera1');
    const b = await addUser(ou.dn, 'Member B', 'memberb1');
    const group = childDn('CN', 'grp-klass-7a', ou.dn);
    await directory.add(group, { objectClass: ['top', 'group'], sAMAccountName: 'grp-klass-7a-t', groupType: GROUP_TYPE_GLOBAL_SECURITY });
    await directory.modify(group, [{ operation: 'add', attribute: 'member', values: [a] }]);
    await directory.modify(group, [{ operation: 'add', attribute: 'member', values: [b] }]);
    const dup = await directory.modify(group, [{ operation: 'add', attribute: 'member', values: [a] }]).catch((e: unknown) => e);
    expect((dup as DirectoryError).code).toBe('ALREADY_EXISTS');
    await directory.modify(group, [{ operation: 'delete', attribute: 'member', values: [a] }]);
    const entry = await directory.findEntry(group, ['member']);
    expect(attributeStrings(entry!, 'member').map((m) => m.toLowerCase())).toEqual([b.toLowerCase()]);
  });

  it('talks StartTLS on ldap:// with the same CA verification', async () => {
    const url = env.ldap.url.replace(/^ldaps:/, 'ldap:').replace(/:636\b/, ':389');
    const starttls = new LdapDirectory(options({ url }));
    try {
      const entries = await starttls.search(ou.dn, { scope: 'base', attributes: ['ou'] });
      expect(entries).toHaveLength(1);
    } finally {
      await starttls.close();
    }
  });

  it('refuses a server whose certificate the configured CA did not sign', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'other-ca-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=Some other CA', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'ca.pem')], { stdio: 'ignore' });
    const otherCa = readFileSync(join(dir, 'ca.pem'), 'utf8');
    rmSync(dir, { recursive: true, force: true });
    const bad = new LdapDirectory(options({ ca: otherCa }));
    try {
      const err = await bad.search(ou.dn, { scope: 'base' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DirectoryError);
      expect(String((err as DirectoryError).cause)).toMatch(/certificate/i);
    } finally {
      await bad.close();
    }
    expect(() => new LdapDirectory(options({ ca: '' }))).toThrow(/CA certificate is required/);
    expect(() => new LdapDirectory(options({ url: 'http://127.0.0.1' }))).toThrow(/ldaps/);
  });

  it('reports an unreachable directory as retryable UNAVAILABLE', async () => {
    const down = new LdapDirectory(options({ url: 'ldaps://127.0.0.1:1', connectTimeoutMs: 2000 }));
    const err = await down.search(ou.dn, { scope: 'base' }).catch((e: unknown) => e);
    expect((err as DirectoryError).code).toBe('UNAVAILABLE');
    expect((err as DirectoryError).retryable).toBe(true);
    await down.close();
  });
});
