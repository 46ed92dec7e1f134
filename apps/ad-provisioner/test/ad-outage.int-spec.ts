// AD goes away in the middle of a batch (the connection is cut and refused for a while): the batch
// completes once AD is back, with every person provisioned exactly once.
import { equalsFilter } from '@skolkonto/directory';
import { testEnv } from '@skolkonto/testing';
import { aPupil } from './builders';
import { createHarness, type Harness } from './provisioner-harness';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

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
  const people = Array.from({ length: 8 }, (_, i) => aPupil({ givenName: 'Avbrott', familyName: `Elev${i}` }));
  const batch = h.provision.provisionBatch(layout, people.map((identity) => ({ identity })));

  // Cut AD once the first accounts exist, keep it away for three seconds, then restore it.
  const deadline = Date.now() + 60_000;
  while ((await h.prisma.accountLink.count()) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await proxy.down();
  const linksWhenCut = await h.prisma.accountLink.count();
  await new Promise((r) => setTimeout(r, 3_000));
  await proxy.up();

  const outcome = await batch;
  expect(linksWhenCut).toBeLessThan(8);
  expect(outcome.status).toBe('applied');
  if (outcome.status === 'applied') expect(outcome.result.failed).toBe(0);
  for (const person of people) {
    const inAd = await h.directory.search(h.ou.dn, { filter: equalsFilter('employeeNumber', person.sourceRefs[0]!.id), attributes: ['1.1'] });
    expect(inAd).toHaveLength(1);
  }
  expect(await h.prisma.accountLink.count()).toBe(8);
  const provisioned = await h.outbox('directory.alpha.account.provisioned');
  expect(new Set(provisioned.map((e) => e.data.identityId)).size).toBe(8);
});
