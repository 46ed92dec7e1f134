// What the live page remembers, against real NATS and PostgreSQL: the last successful register sync
// per tenant (read through a filtered consumer of register.*.sync.completed only) and the per-minute
// throughput, both still there after the console restarts on the same database and streams.
import { buildEvent, EVENTS } from '@skolkonto/contracts';
import { validateEventAgainstContract } from '@skolkonto/messaging';
import { randomUUID } from 'node:crypto';
import { ConsoleClient, ConsoleTestEnv, eventually, startConsole } from './support/console-test-env';

describe('ops-console history', () => {
  let env: ConsoleTestEnv;
  let admin: { username: string; password: string };
  let limited: { username: string; password: string };

  beforeAll(async () => {
    env = await startConsole('console-history');
    admin = await env.createOperator('hanna', 'admin');
    limited = await env.createOperator('lars', 'viewer', ['skara']);
  });
  afterAll(async () => env?.close());

  const signedIn = async (who: { username: string; password: string }) => {
    const client = new ConsoleClient(env.baseUrl);
    expect((await client.login(who.username, who.password)).status).toBe(200);
    return client;
  };
  const tile = async (client: ConsoleClient, tenant: string) => (await client.json('GET', '/api/live/tiles')).body.tiles.find((t: any) => t.tenant === tenant);
  /** register-ingest's announcement, built and checked with its contract. */
  const syncCompleted = async (tenant: string, kind: 'delta' | 'full', completedAt: string) => {
    const event = buildEvent(EVENTS.registerSyncCompleted, {
      tenant,
      source: 'register-ingest',
      data: { tenant, kind, startedAt: new Date(Date.parse(completedAt) - 2000).toISOString(), completedAt, changes: 4 },
    });
    expect(validateEventAgainstContract(event)).toEqual([]);
    await env.nats.client.publish(env.nats.subject(EVENTS.registerSyncCompleted.subject(tenant)), JSON.stringify(event), { msgID: event.id });
  };

  it('shows the newest successful register sync per tenant, live and after a restart, and never moves it back', async () => {
    await syncCompleted('skara', 'full', '2026-11-28T02:30:05.000Z');
    await syncCompleted('skara', 'delta', '2026-11-28T07:59:02.000Z');
    await syncCompleted('gotene', 'delta', '2026-11-28T07:58:00.000Z');
    // Personal data on the same stream, which the sync tile's consumer must never receive.
    await env.publishEvent('register.skara.person.upserted', { record: { id: randomUUID(), civicNo: { value: '201001011234' } } });

    const client = await signedIn(admin);
    const live = await eventually(async () => {
      const t = await tile(client, 'skara');
      return t?.lastRegisterSync === '2026-11-28T07:59:02.000Z' && t;
    }, 5000, 'the skara sync tile');
    expect(live.lastRegisterSyncKind).toBe('delta');
    expect((await tile(client, 'gotene')).lastRegisterSync).toBe('2026-11-28T07:58:00.000Z');

    // The console reads REGISTER's syncs through a consumer the server filters to that subject.
    const consumers = await env.nats.manager.consumers.list(env.nats.streamName('REGISTER')).next();
    expect(consumers.map((c) => c.config.filter_subject)).toContain(`${env.nats.namespace}.register.*.sync.completed`);

    await env.restart();
    const again = await signedIn(admin);
    const afterRestart = await tile(again, 'skara');
    expect(afterRestart).toMatchObject({ lastRegisterSync: '2026-11-28T07:59:02.000Z', lastRegisterSyncKind: 'delta' });

    // A replayed older sync does not move the tile back; a newer one moves it on.
    await syncCompleted('skara', 'full', '2026-11-27T02:30:00.000Z');
    await syncCompleted('skara', 'delta', '2026-11-28T08:00:03.000Z');
    await eventually(async () => (await tile(again, 'skara'))?.lastRegisterSync === '2026-11-28T08:00:03.000Z', 5000, 'the newer sync');

    // An operator limited to skara does not see another tenant's tile.
    const lars = await signedIn(limited);
    const tenants = (await lars.json('GET', '/api/live/tiles')).body.tiles.map((t: any) => t.tenant);
    expect(tenants).toContain('skara');
    expect(tenants).not.toContain('gotene');
  });

  it('keeps the per-minute throughput in PostgreSQL, so a restart still shows the last hour, and prunes what is older than 24 h', async () => {
    const client = await signedIn(admin);
    const total = async (stage: string, minutes = 60) =>
      ((await client.json<any[]>('GET', `/api/live/throughput?minutes=${minutes}`)).body ?? []).reduce((sum: number, p: any) => sum + (p.counts[stage] ?? 0), 0);
    const before = await total('federation');
    for (let i = 0; i < 5; i++) await env.publishEvent('federation.lidkoping.attributes.published', { identityId: randomUUID() });
    await eventually(async () => (await total('federation')) === before + 5, 5000, 'five federation events counted');
    const saved = async () =>
      (await env.prisma.consoleThroughputMinute.aggregate({ where: { tenant: 'lidkoping', stage: 'federation' }, _sum: { count: true } }))._sum.count ?? 0;
    await eventually(async () => (await saved()) === 5, 5000, 'the counts saved');

    // A minute older than the 24 hours kept, and one just inside them.
    const minute = (hoursAgo: number) => new Date(Math.floor((Date.now() - hoursAgo * 3_600_000) / 60_000) * 60_000);
    await env.prisma.consoleThroughputMinute.createMany({
      data: [
        { tenant: 'lidkoping', stage: 'ops', minute: minute(25), count: 7 },
        { tenant: 'lidkoping', stage: 'ops', minute: minute(23), count: 3 },
      ],
    });

    await env.restart();
    expect(await total('federation')).toBe(before + 5);
    expect((await client.json('GET', '/api/live/throughput')).body).toHaveLength(60);
    expect(await total('ops', 24 * 60)).toBe(3);
    await eventually(async () => (await env.prisma.consoleThroughputMinute.count({ where: { stage: 'ops' } })) === 1, 5000, 'the old minute pruned');
    expect((await client.request('GET', '/api/live/throughput?minutes=2000')).status).toBe(400);
  });
});
