// Identity events over real JetStream reach the batch pipeline in batches per tenant: 100 events
// published at once make one or a few batches and one account each; a batch whose acks are lost
// after it committed is redelivered and creates nothing twice; 60 disables in one batch are held
// as one plan by the tenant's default threshold (more than 50 in one batch).
import 'reflect-metadata';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EVENTS, type PersonIdentityV1 } from '@skolkonto/contracts';
import { attributeString } from '@skolkonto/directory';
import { connectJetStream, createTestMessaging, EventPublisher, resolveMessagingOptions, type TestMessaging } from '@skolkonto/messaging';
import { TenantLayouts } from '../src/directory-layout/tenant-layouts';
import { IdentityEventBatcher } from '../src/provision-account/identity-event-batcher';
import { ProvisionAccountHandler } from '../src/provision-account/provision-account.handler';
import type { ProvisionAccountService } from '../src/provision-account/provision-account.service';
import { aPupil, aStaffMember, nextVersion } from './builders';
import { createHarness, type Harness } from './provisioner-harness';

jest.setTimeout(180_000);

let h: Harness;
let nats: TestMessaging;
let app: INestApplication;
let batcher: IdentityEventBatcher;
let publisher: EventPublisher;
/** Set to make the next batch fail after its results were committed (as if its acks were lost). */
let loseAcksOfNextBatch = false;
/** While set, alpha's batches wait for it (a slow tenant). */
let alphaGate: Promise<void> | undefined;

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

beforeAll(async () => {
  h = await createHarness();
  nats = await createTestMessaging('adprov-batch', { app: 'ad-provisioner' });
  const service: Pick<ProvisionAccountService, 'provisionBatch'> = {
    async provisionBatch(layout, inputs) {
      if (layout.id === 'alpha') await alphaGate;
      const outcome = await h.provision.provisionBatch(layout, inputs);
      if (loseAcksOfNextBatch) {
        loseAcksOfNextBatch = false;
        throw new Error('connection lost after the batch committed');
      }
      return outcome;
    },
  };
  // A long linger keeps a burst published at once in one batch on a loaded machine.
  batcher = new IdentityEventBatcher(service, 200, 1_000);
  @Module({
    controllers: [ProvisionAccountHandler],
    providers: [
      { provide: IdentityEventBatcher, useValue: batcher },
      { provide: TenantLayouts, useValue: new TenantLayouts(h.tenants, h.ou.dn, 'Skolkonto') },
    ],
  })
  class TestModule {}
  app = await NestFactory.create(TestModule, { logger: false });
  connectJetStream(app, { ...nats.options, connection: nats.connection, concurrency: 400 });
  await app.init();
  await app.startAllMicroservices();
  publisher = new EventPublisher(nats.connection.js, resolveMessagingOptions(nats.options));
});
afterAll(async () => {
  await app?.close();
  await nats?.cleanup();
  await h?.close();
});

const changed = (identity: PersonIdentityV1) =>
  publisher.publish(EVENTS.identityPersonChanged, { tenant: identity.tenant, data: { ...identity, changedFields: ['names'] } });
const deactivated = (identity: PersonIdentityV1) =>
  publisher.publish(EVENTS.identityPersonDeactivated, { tenant: identity.tenant, data: { ...identity, reason: 'register-deleted' } });

const linkCount = (tenant: string, ids: string[]) => h.prisma.accountLink.count({ where: { tenant, identityId: { in: ids } } });
const created = async (tenant: string, ids: Set<string>) =>
  (await h.outbox(`directory.${tenant}.account.provisioned`)).filter((e) => ids.has(e.data.identityId as string));
async function accountsInAd(tenant: string): Promise<string[]> {
  const entries = await h.directory.search(h.layout(tenant).rootDn, { scope: 'sub', filter: '(&(objectClass=user)(msDS-cloudExtensionAttribute1=*))', attributes: ['msDS-cloudExtensionAttribute1'] });
  return entries.map((e) => attributeString(e, 'msDS-cloudExtensionAttribute1'));
}

it('provisions 100 identity events published at once in one or a few batches, one account each', async () => {
  const before = { ...batcher.stats };
  const people = Array.from({ length: 100 }, (_, i) => aPupil({ tenant: 'alpha', givenName: 'Burst', familyName: `Person${i}`, klass: '7A' }));
  await Promise.all(people.map(changed));
  const ids = people.map((p) => p.identityId);
  await until(async () => ((await linkCount('alpha', ids)) === 100 ? true : undefined));
  await until(async () => (batcher.stats.batches - before.batches > 0 && batcher.stats.events - before.events === 100 ? true : undefined), 10_000);

  const batches = batcher.stats.batches - before.batches;
  expect(batches).toBeGreaterThanOrEqual(1);
  expect(batches).toBeLessThanOrEqual(4);
  expect(await created('alpha', new Set(ids))).toHaveLength(100);
  const personIds = await accountsInAd('alpha');
  expect(personIds).toHaveLength(100);
  expect(new Set(personIds).size).toBe(100);
});

it('creates nothing twice when a committed batch is redelivered', async () => {
  const before = { ...batcher.stats };
  const people = Array.from({ length: 30 }, (_, i) => aStaffMember({ tenant: 'alpha', givenName: 'Again', familyName: `Staff${i}` }));
  const inAdBefore = (await accountsInAd('alpha')).length;
  loseAcksOfNextBatch = true;
  await Promise.all(people.map(changed));
  const ids = people.map((p) => p.identityId);
  // The first run fails after committing; the redelivery runs the pipeline again over the same events.
  await until(async () => (batcher.stats.failed > before.failed && batcher.stats.events - before.events >= 60 && batcher.stats.batches - before.batches >= 2 ? true : undefined));
  const consumer = await nats.connection.jsm.consumers.info(nats.streamName('IDENTITY'), 'ad-provisioner-provision-account-changed');
  await until(async () => {
    const info = await nats.connection.jsm.consumers.info(nats.streamName('IDENTITY'), consumer.name);
    return info.num_ack_pending === 0 && info.num_pending === 0 ? true : undefined;
  });

  expect(await linkCount('alpha', ids)).toBe(30);
  expect(await created('alpha', new Set(ids))).toHaveLength(30);
  expect((await accountsInAd('alpha')).length).toBe(inAdBefore + 30);
  expect((await nats.readMessages('DEADLETTER').catch(() => [])).length).toBe(0);
});

it('holds 60 disables published as events as one plan under the default threshold (more than 50 in one batch)', async () => {
  const layout = h.layout('beta');
  const people = Array.from({ length: 60 }, (_, i) => aStaffMember({ tenant: 'beta', givenName: 'Mass', familyName: `Leaver${i}` }));
  await h.provision.provisionBatch(layout, people.map((identity) => ({ identity })));
  expect(await linkCount('beta', people.map((p) => p.identityId))).toBe(60);
  const before = { ...batcher.stats };

  await Promise.all(people.map((p) => deactivated(nextVersion(p, { status: 'deactivated' }))));
  await until(async () => (batcher.stats.events - before.events === 60 ? true : undefined));
  await until(async () => ((await h.prisma.provisioningPlan.count({ where: { tenant: 'beta' } })) > 0 ? true : undefined));

  const plans = await h.prisma.provisioningPlan.findMany({ where: { tenant: 'beta' } });
  expect(plans).toHaveLength(1);
  expect(plans[0]!.status).toBe('held');
  expect(plans[0]!.operations as unknown[]).toHaveLength(60);
  expect((await h.outbox('ops.beta.plan.held')).filter((e) => e.data.planId === plans[0]!.id)).toHaveLength(1);
  expect(batcher.stats.held - before.held).toBe(1);
  // Held, not applied: every account is still enabled, and the messages are acked (nothing redelivered).
  const links = await h.prisma.accountLink.findMany({ where: { tenant: 'beta', identityId: { in: people.map((p) => p.identityId) } } });
  expect(links.every((l) => l.enabled)).toBe(true);
  const info = await nats.connection.jsm.consumers.info(nats.streamName('IDENTITY'), 'ad-provisioner-provision-account-deactivated');
  expect(info.num_ack_pending).toBe(0);
  expect(info.num_redelivered).toBe(0);
});

it('runs another tenant\'s batch while one tenant\'s batch is still running', async () => {
  let open!: () => void;
  alphaGate = new Promise((resolve) => (open = resolve));
  const slow = aPupil({ tenant: 'alpha', givenName: 'Slow', familyName: 'Tenant' });
  const other = aPupil({ tenant: 'beta', givenName: 'Quick', familyName: 'Tenant' });
  try {
    await changed(slow);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await changed(other);
    await until(async () => ((await linkCount('beta', [other.identityId])) === 1 ? true : undefined), 30_000);
    expect(await linkCount('alpha', [slow.identityId])).toBe(0);
  } finally {
    alphaGate = undefined;
    open();
  }
  await until(async () => ((await linkCount('alpha', [slow.identityId])) === 1 ? true : undefined), 30_000);
});
