// What register-ingest does once at boot and at shutdown, against the real simulator (its own process),
// PostgreSQL and NATS: one startup sync and one webhook subscription per tenant, a restart renews or
// replaces the subscription instead of adding one (the hybrid HTTP + JetStream app once ran its boot
// hooks twice), and a sync running at shutdown finishes before the database is closed.
import { PrismaClient } from '@skolkonto/persistence';
import { SyncSchedulerService } from '../src/schedule-sync/sync-scheduler.service';
import { WebhookSubscriptionsService } from '../src/subscribe-webhooks/webhook-subscriptions.service';
import { startIngest, type IngestHarness } from './support/ingest-harness';
import { startSimulator, type SimulatorProcess } from './support/simulator-process';

const TENANTS = ['bootone', 'boottwo'] as const;
const token = (tenant: string) => `register-token-${tenant}-0123456789`;
// Where the register sends webhooks: nothing listens there, and nothing in this test changes the register.
const PUBLIC_URL = 'http://127.0.0.1:9/ingest';

interface Subscription {
  id: string;
  name: string;
  target: string;
}

describe('register-ingest boot', () => {
  let simulator: SimulatorProcess;
  let ingest: IngestHarness | undefined;

  beforeAll(async () => {
    simulator = await startSimulator(TENANTS.map((id, i) => ({ id, municipalityCode: String(1460 + i), persons: 10, token: token(id) })));
  }, 120_000);

  afterEach(async () => {
    await ingest?.close();
    ingest = undefined;
  });

  afterAll(async () => {
    await simulator?.stop();
  });

  const boot = (secretVersion: number) =>
    startIngest(
      TENANTS.map((id) => ({ id, municipalityCode: '1460', baseUrl: simulator.baseUrl(id), registerToken: token(id), webhookSecret: `webhook-secret-${id}-v${secretVersion}-0123456789` })),
      { label: 'ingest_boot', env: { INGEST_PUBLIC_URL: PUBLIC_URL, INGEST_SCHEDULE_ENABLED: 'true' } },
    );

  async function subscriptions(tenant: string): Promise<Subscription[]> {
    const response = await fetch(`${simulator.baseUrl(tenant)}/subscriptions`, { headers: { authorization: `Bearer ${token(tenant)}` } });
    expect(response.status).toBe(200);
    return ((await response.json()) as { data: Subscription[] }).data;
  }

  /** Waits until every tenant's startup sync has finished, then a little more for any second boot task. */
  async function bootSettled(harness: IngestHarness): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const finished = await harness.prisma.ingestSyncRun.count({ where: { trigger: 'startup', outcome: { not: 'running' } } });
      const subscribed = (await Promise.all(TENANTS.map(subscriptions))).every((list) => list.length > 0);
      if (finished >= TENANTS.length && subscribed) break;
      if (Date.now() > deadline) throw new Error('the startup syncs and subscriptions did not finish within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await harness.scheduler.requestDelta(TENANTS[0], 'manual');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }

  it('runs one startup sync and creates one webhook subscription per tenant; a restart renews it, a new secret replaces it', async () => {
    // Observed, not replaced: the real hooks run.
    const subscribing = jest.spyOn(WebhookSubscriptionsService.prototype, 'onApplicationBootstrap');
    const scheduling = jest.spyOn(SyncSchedulerService.prototype, 'onApplicationBootstrap');
    ingest = await boot(1);
    await bootSettled(ingest);
    expect([subscribing.mock.calls.length, scheduling.mock.calls.length]).toEqual([1, 1]);
    const runs = await ingest.prisma.ingestSyncRun.findMany({ where: { trigger: 'startup' } });
    expect(runs.map((run) => [run.tenant, run.kind, run.outcome]).sort()).toEqual(TENANTS.map((tenant) => [tenant, 'full', 'succeeded']));
    const first = new Map<string, Subscription>();
    for (const tenant of TENANTS) {
      const list = await subscriptions(tenant);
      expect(list).toEqual([expect.objectContaining({ name: 'skolkonto-register-ingest', target: expect.stringMatching(`^${PUBLIC_URL}/webhooks/${tenant}\\?secret=`) })]);
      first.set(tenant, list[0]!);
    }
    await ingest.close();

    ingest = await boot(1);
    await bootSettled(ingest);
    for (const tenant of TENANTS) expect(await subscriptions(tenant)).toEqual([expect.objectContaining({ id: first.get(tenant)!.id })]);
    await ingest.close();

    // A rotated webhook secret: the subscription that carries the old one is replaced, not kept beside.
    ingest = await boot(2);
    await bootSettled(ingest);
    for (const tenant of TENANTS) {
      const list = await subscriptions(tenant);
      expect(list).toHaveLength(1);
      expect(list[0]!.id).not.toBe(first.get(tenant)!.id);
      expect(list[0]!.target).toContain(encodeURIComponent(`webhook-secret-${tenant}-v2-0123456789`));
    }
  });

  it('lets a sync that is running at shutdown finish before it closes the database', async () => {
    ingest = await boot(1);
    await bootSettled(ingest);
    // The last list of the full read answers slowly, so the read is still running when shutdown begins.
    await simulator.admin('POST', '/faults', { kind: 'delay', tenant: 'bootone', entity: 'duties', delayMs: 1500, times: 1 });
    try {
      const prisma = ingest.app.get(PrismaClient);
      const disconnect = prisma.$disconnect.bind(prisma);
      let finished = false;
      let finishedBeforeDisconnect: boolean | undefined;
      jest.spyOn(prisma, '$disconnect').mockImplementation(async () => {
        finishedBeforeDisconnect ??= finished;
        return disconnect();
      });
      const running = ingest.scheduler.requestFull('bootone', 'manual').then((result) => ((finished = true), result));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const closing = ingest.close();
      ingest = undefined;
      expect(await running).toMatchObject({ outcome: 'succeeded' });
      await closing;
      expect(finishedBeforeDisconnect).toBe(true);
    } finally {
      await simulator.admin('DELETE', '/faults');
    }
  });
});
