// AD goes away in the middle of a batch (the connection is cut and refused for a while): the batch
// completes once AD is back, with every person provisioned exactly once; memberships that wait for
// AD (during a first load) are kept and written once it is back.
import { randomUUID } from 'node:crypto';
import { LdapDirectory, attributeStrings, equalsFilter } from '@skolkonto/directory';
import { testEnv } from '@skolkonto/testing';
import { aPupil } from './builders';
import { createHarness, type Harness } from './provisioner-harness';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';
import { PendingMembersScheduler } from '../src/provision-account/pending-members-scheduler.service';

let h: Harness;
let proxy: TcpProxy;

beforeAll(async () => {
  const target = new URL(testEnv().ldap.url);
  proxy = await startTcpProxy(target.hostname, Number(target.port || 636));
  h = await createHarness({ ldapUrl: `ldaps://127.0.0.1:${proxy.port}`, retry: { attempts: 40, baseDelayMs: 100, maxDelayMs: 1_000 } });
});
afterAll(async () => {
  await proxy?.up().catch(() => undefined);
  await h?.close();
  await proxy?.close();
});

it('completes a batch after AD comes back, without duplicate accounts', async () => {
  const layout = h.layout('alpha');
  const people = Array.from({ length: 24 }, (_, i) => aPupil({ givenName: 'Avbrott', familyName: `Elev${i}`, klass: `${i % 2 ? 8 : 9}A` }));
  const batch = h.provision.provisionBatch(layout, people.map((identity) => ({ identity })));

  // Cut AD once the first accounts exist there (watched past the proxy), keep it away for three
  // seconds, then restore it: adds in flight are lost or half-done, none of them may be doubled.
  const env = testEnv();
  const watcher = new LdapDirectory({ url: env.ldap.url, ca: env.ldap.ca, bindDn: env.ldap.bindDn, bindPassword: env.ldap.bindPassword, poolSize: 1 });
  const inAd = async () => (await watcher.search(h.ou.dn, { filter: '(&(objectClass=user)(msDS-cloudExtensionAttribute1=*))', attributes: ['1.1'] }).catch(() => [])).length;
  const deadline = Date.now() + 60_000;
  while ((await inAd()) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  await proxy.down();
  const accountsWhenCut = await inAd();
  await new Promise((r) => setTimeout(r, 3_000));
  await proxy.up();

  const outcome = await batch;
  await watcher.close();
  expect(accountsWhenCut).toBeGreaterThanOrEqual(2);
  expect(accountsWhenCut).toBeLessThan(24);
  expect(outcome.status).toBe('applied');
  if (outcome.status === 'applied') expect(outcome.result.failed).toBe(0);
  for (const person of people) {
    const found = await h.directory.search(h.ou.dn, { filter: equalsFilter('msDS-cloudExtensionAttribute1', person.sourceRefs[0]!.id), attributes: ['memberOf'] });
    expect(found).toHaveLength(1);
    expect(attributeStrings(found[0]!, 'memberOf').length).toBe(3); // role, school and class groups
  }
  expect(await h.prisma.accountLink.count()).toBe(24);
  const provisioned = await h.outbox('directory.alpha.account.provisioned');
  expect(new Set(provisioned.map((e) => e.data.identityId)).size).toBe(24);
});

it('a batch given up while AD is away completes when redelivered: no duplicates, every membership in', async () => {
  // Few retries: the batch fails while AD is away, as it does after a long outage; JetStream
  // would then redeliver the same events.
  const quick = await createHarness({ ldapUrl: `ldaps://127.0.0.1:${proxy.port}`, retry: { attempts: 2, baseDelayMs: 50, maxDelayMs: 100 } });
  const env = testEnv();
  const watcher = new LdapDirectory({ url: env.ldap.url, ca: env.ldap.ca, bindDn: env.ldap.bindDn, bindPassword: env.ldap.bindPassword, poolSize: 1 });
  try {
    const layout = quick.layout('alpha');
    await quick.executor.execute(layout, []);
    const people = Array.from({ length: 24 }, (_, i) => aPupil({ givenName: 'Omleverans', familyName: `Elev${i}`, klass: `${i % 2 ? 6 : 5}B` }));
    const inputs = people.map((identity) => ({ identity, eventId: randomUUID() }));
    const batch = quick.provision.provisionBatch(layout, inputs);
    const inAd = async () => (await watcher.search(quick.ou.dn, { filter: '(&(objectClass=user)(msDS-cloudExtensionAttribute1=*))', attributes: ['1.1'] }).catch(() => [])).length;
    const deadline = Date.now() + 60_000;
    while ((await inAd()) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await proxy.down();
    await expect(batch).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(await inAd()).toBeLessThan(24);
    await proxy.up();

    const outcome = await quick.provision.provisionBatch(layout, inputs);
    expect(outcome.status).toBe('applied');
    if (outcome.status === 'applied') expect(outcome.result.failed).toBe(0);
    for (const person of people) {
      const found = await watcher.search(quick.ou.dn, { filter: equalsFilter('msDS-cloudExtensionAttribute1', person.sourceRefs[0]!.id), attributes: ['memberOf'] });
      expect(found).toHaveLength(1);
      expect(attributeStrings(found[0]!, 'memberOf').length).toBe(3);
    }
    expect(await quick.prisma.accountLink.count()).toBe(24);
    const provisioned = await quick.outbox('directory.alpha.account.provisioned');
    expect(new Set(provisioned.map((e) => e.data.identityId)).size).toBe(24);
    expect(provisioned.length).toBe(24);
  } finally {
    await proxy.up().catch(() => undefined);
    await watcher.close();
    await quick.close();
  }
});

it('keeps new accounts\' waiting memberships while AD is away and writes them once it is back', async () => {
  const waitingHarness = await createHarness({
    ldapUrl: `ldaps://127.0.0.1:${proxy.port}`,
    retry: { attempts: 2, baseDelayMs: 50, maxDelayMs: 100 },
    groupMembershipDelayMs: 60_000,
  });
  const env = testEnv();
  const watcher = new LdapDirectory({ url: env.ldap.url, ca: env.ldap.ca, bindDn: env.ldap.bindDn, bindPassword: env.ldap.bindPassword, poolSize: 1 });
  try {
    let backlog = 2; // a first load under way: the batch leaves its memberships waiting
    waitingHarness.executor.backlogOf = () => backlog;
    const scheduler = new PendingMembersScheduler(waitingHarness.prisma, { find: (tenant) => waitingHarness.layout(tenant) }, waitingHarness.executor);
    const people = Array.from({ length: 4 }, (_, i) => aPupil({ givenName: 'Väntar', familyName: `Elev${i}`, klass: '7K' }));
    const outcome = await waitingHarness.provision.provisionBatch(waitingHarness.layout('alpha'), people.map((identity) => ({ identity })));
    expect(outcome).toMatchObject({ status: 'applied', result: { failed: 0 } });
    expect(await waitingHarness.prisma.pendingGroupMember.count()).toBe(12);

    await proxy.down();
    backlog = 0;
    await scheduler.runOnce(); // fails against the missing AD, and says so
    expect(await waitingHarness.prisma.pendingGroupMember.count()).toBe(12);
    await proxy.up();
    await scheduler.runOnce();
    expect(await waitingHarness.prisma.pendingGroupMember.count()).toBe(0);
    for (const person of people) {
      const found = await watcher.search(waitingHarness.ou.dn, { filter: equalsFilter('msDS-cloudExtensionAttribute1', person.sourceRefs[0]!.id), attributes: ['memberOf'] });
      expect(attributeStrings(found[0]!, 'memberOf')).toHaveLength(3);
    }
    expect(await waitingHarness.outbox('directory.alpha.account.failed')).toEqual([]);
  } finally {
    await proxy.up().catch(() => undefined);
    await watcher.close();
    await waitingHarness.close();
  }
});
