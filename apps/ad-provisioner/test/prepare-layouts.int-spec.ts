// At boot the provisioner creates every tenant's OU tree in the background, so a tenant's first
// batch does not wait for it; an AD that is away at boot leaves that work to the first batch.
import 'reflect-metadata';
import { LdapDirectory } from '@skolkonto/directory';
import { testEnv } from '@skolkonto/testing';
import { EnsureLayoutService } from '../src/directory-layout/ensure-layout.service';
import { PrepareLayoutsService } from '../src/directory-layout/prepare-layouts.service';
import { TenantLayouts } from '../src/directory-layout/tenant-layouts';
import { createHarness, type Harness } from './provisioner-harness';

jest.setTimeout(120_000);

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

it('creates the OU tree of every configured tenant once the app has booted', async () => {
  const layouts = new TenantLayouts(h.tenants, h.ou.dn, 'Skolkonto');
  for (const layout of layouts.all()) expect(await h.directory.findEntry(layout.rootDn)).toBeNull();

  const prepare = new PrepareLayoutsService(layouts, new EnsureLayoutService(h.directory));
  prepare.onApplicationBootstrap();
  await prepare.ready;

  expect(layouts.all().length).toBeGreaterThan(1);
  for (const layout of layouts.all()) {
    for (const dn of layout.baseOus()) expect(await h.directory.findEntry(dn)).not.toBeNull();
  }
});

it('boots without the directory: preparing settles, and the first batch creates the tree later', async () => {
  const env = testEnv();
  const away = new LdapDirectory({ url: 'ldaps://127.0.0.1:1', ca: env.ldap.ca, bindDn: env.ldap.bindDn, bindPassword: env.ldap.bindPassword, connectTimeoutMs: 1_000 });
  try {
    const prepare = new PrepareLayoutsService(new TenantLayouts(h.tenants, h.ou.dn, 'Skolkonto'), new EnsureLayoutService(away));
    const warnings = jest.spyOn((prepare as unknown as { logger: { warn: (m: string) => void } }).logger, 'warn').mockImplementation(() => undefined);
    prepare.onApplicationBootstrap();
    await expect(prepare.ready).resolves.toBeUndefined();
    expect(warnings).toHaveBeenCalledTimes(h.tenants.length);
    expect(warnings.mock.calls[0]![0]).toMatch(/not created at boot \(its first batch will\)/);
  } finally {
    await away.close();
  }
});
