// The snapshot/outbox bookkeeping against a real, freshly migrated PostgreSQL database.
import { randomUUID } from 'node:crypto';
import { createPrismaClient, PrismaClient } from '@skolkonto/persistence';
import { createTestDatabase, TestDatabase } from '@skolkonto/testing';
import { Registry } from 'prom-client';
import { ReconcileRegisterService } from '../src/reconcile-register/reconcile-register.service';
import { EntityType, RegisterSourceFactory } from '../src/register-source/register-source';
import { IngestMetrics } from '../src/sync-state/ingest-metrics';
import { DEFAULT_SYNC_SETTINGS, IngestSettings } from '../src/sync-state/ingest-settings';
import { PreparedPage, SyncStateRepository } from '../src/sync-state/sync-state.repository';

const person = (id: string, givenName: string, modified = '2026-11-01T10:00:00.000Z') => ({
  id,
  meta: { created: '2026-01-01T00:00:00.000Z', modified },
  givenName,
  familyName: 'Öberg',
});

describe(SyncStateRepository.name, () => {
  let db: TestDatabase;
  let prisma: PrismaClient;
  let repository: SyncStateRepository;
  const tenant = 'skara';

  beforeAll(async () => {
    db = await createTestDatabase({ prefix: 'ingest_state' });
    prisma = createPrismaClient(db.url);
    repository = new SyncStateRepository(prisma);
  });

  afterAll(async () => {
    await prisma.$disconnect();
    await db.drop();
  });

  const outboxSubjects = async () => (await prisma.ingestOutbox.findMany({ orderBy: { id: 'asc' } })).map((row) => row.subject);

  it('publishes a record once, and again only when its content changes', async () => {
    const id = randomUUID();
    await prisma.ingestOutbox.deleteMany();
    const first = await repository.applyPage(tenant, 'Person', { records: [person(id, 'Åsa')], rejected: [] }, { cause: 'delta' });
    const again = await repository.applyPage(tenant, 'Person', { records: [person(id, 'Åsa')], rejected: [] }, { cause: 'delta' });
    const renamed = await repository.applyPage(tenant, 'Person', { records: [person(id, 'Åsa-Lena', '2026-11-02T10:00:00.000Z')], rejected: [] }, { cause: 'delta' });
    expect([first.upserted, again.upserted, again.unchanged, renamed.upserted]).toEqual([1, 0, 1, 1]);
    expect(renamed.maxModified?.toISOString()).toBe('2026-11-02T10:00:00.000Z');
    expect(await outboxSubjects()).toEqual(['register.skara.person.upserted', 'register.skara.person.upserted']);
    const last = await prisma.ingestOutbox.findFirstOrThrow({ orderBy: { id: 'desc' } });
    expect((last.payload as { data: { record: { givenName: string } } }).data.record.givenName).toBe('Åsa-Lena');
  });

  it('writes a page\'s outbox rows in page order, each with its event and headers as built', async () => {
    await prisma.ingestOutbox.deleteMany();
    // Enough rows that an order the database chose (hash, parallel scan) would show; names with
    // quotes, backslashes and non-Latin letters must arrive as they were.
    const names = Array.from({ length: 300 }, (_, i) => `Åsa "${i}" \\ Ñoño-Øyvind ${'x'.repeat(i % 7)}`);
    const ids = names.map(() => randomUUID());
    await repository.applyPage(tenant, 'Person', { records: ids.map((id, i) => person(id, names[i]!)), rejected: [] }, { cause: 'reconcile' });
    const rows = await prisma.ingestOutbox.findMany({ orderBy: { id: 'asc' } });
    const events = rows.map((row) => row.payload as { id: string; subject: string; data: { record: { givenName: string } } });
    expect(events.map((event) => event.subject)).toEqual(ids);
    expect(events.map((event) => event.data.record.givenName)).toEqual(names);
    expect(rows.map((row) => row.headers)).toEqual(events.map((event) => ({ 'Nats-Msg-Id': event.id })));
    expect(rows.map((row) => row.eventId)).toEqual(events.map((event) => event.id));
  });

  it('reports the same bad record once, with its reason, while the valid ones flow', async () => {
    await prisma.ingestOutbox.deleteMany();
    const bad = randomUUID();
    const page = {
      records: [person(randomUUID(), 'Bo')],
      rejected: [{ registerId: bad, code: 'MISSING_FIELD', reason: 'familyName is missing' }],
    };
    const first = await repository.applyPage(tenant, 'Person', page, { cause: 'delta' });
    await repository.applyPage(tenant, 'Person', { records: [], rejected: page.rejected }, { cause: 'delta' });
    expect(first.rejectionCodes).toEqual(['MISSING_FIELD']);
    const rows = await prisma.ingestOutbox.findMany({ orderBy: { id: 'asc' } });
    expect(rows.map((row) => row.subject)).toEqual(['register.skara.person.upserted', 'ops.skara.record.rejected']);
    expect((rows[1]!.payload as { data: { reasons: string[]; record: { id: string } } }).data).toMatchObject({
      reasons: ['familyName is missing'],
      record: { id: bad },
    });
  });

  it('deletes a live entity once and ignores unknown or repeated deletions', async () => {
    const id = randomUUID();
    await repository.applyPage(tenant, 'Group', { records: [{ id, displayName: '7B' }], rejected: [] }, { cause: 'delta' });
    await prisma.ingestOutbox.deleteMany();
    expect(await repository.deleteEntities(tenant, 'Group', [id, randomUUID()], 'deletedEntities')).toBe(1);
    expect(await repository.deleteEntities(tenant, 'Group', [id], 'deletedEntities')).toBe(0);
    expect(await outboxSubjects()).toEqual(['register.skara.group.deleted']);
  });

  it('finds the live entities a full read did not mark as seen', async () => {
    const seen = randomUUID();
    const gone = randomUUID();
    await repository.applyPage('gotene', 'Duty', { records: [{ id: seen }, { id: gone }], rejected: [] }, { cause: 'reconcile' });
    const marker = randomUUID();
    await repository.applyPage('gotene', 'Duty', { records: [{ id: seen }], rejected: [] }, { cause: 'reconcile', seenMarker: marker });
    expect(await repository.findAbsent('gotene', 'Duty', marker)).toEqual([gone]);
  });

  it('emits a held plan\'s deletions exactly once on approval and keeps entities that came back', async () => {
    const gone = randomUUID();
    const back = randomUUID();
    await repository.applyPage('essunga', 'Person', { records: [person(gone, 'A'), person(back, 'B')], rejected: [] }, { cause: 'reconcile' });
    const runId = await repository.startRun('essunga', 'full', 'manual');
    const planId = await repository.holdPlan(
      'essunga',
      runId,
      { entityType: 'Person', previousCount: 2, seenCount: 0, minimumShare: 0.8, reason: 'full read returned 0 of 2' },
      [gone, back],
    );
    await repository.applyPage('essunga', 'Person', { records: [person(back, 'B2')], rejected: [] }, { cause: 'delta' });
    await prisma.ingestOutbox.deleteMany();
    expect(await repository.approvePlan('essunga', planId, 'op')).toEqual({ deleted: 1 });
    await expect(repository.approvePlan('essunga', planId, 'op')).rejects.toMatchObject({ code: 'ALREADY_DECIDED' });
    await expect(repository.approvePlan('essunga', randomUUID(), 'op')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const rows = await prisma.ingestOutbox.findMany();
    expect(rows.map((row) => [row.subject, (row.payload as { subject: string }).subject])).toEqual([['register.essunga.person.deleted', gone]]);
  });

  it('only moves a watermark forward', async () => {
    await repository.advanceWatermark('lidkoping', 'Person', new Date('2026-11-02T00:00:00Z'));
    await repository.advanceWatermark('lidkoping', 'Person', new Date('2026-11-01T00:00:00Z'));
    expect((await repository.readWatermarks('lidkoping')).get('Person')?.toISOString()).toBe('2026-11-02T00:00:00.000Z');
  });
});

describe(`${ReconcileRegisterService.name} writing pages`, () => {
  let db: TestDatabase;
  let prisma: PrismaClient;

  beforeAll(async () => {
    db = await createTestDatabase({ prefix: 'ingest_pages' });
    prisma = createPrismaClient(db.url);
  });

  afterAll(async () => {
    await prisma.$disconnect();
    await db.drop();
  });

  /** A register whose pages are given; a record may repeat on the next page (paging while it changes). */
  const registerOf = (pages: { id: string; givenName: string }[][]): RegisterSourceFactory => ({
    forTenant: () => ({
      async *readPages(entityType: EntityType) {
        if (entityType !== 'Person') return;
        for (const page of pages) yield { records: page.map((p) => person(p.id, p.givenName)), rejected: [] };
      },
      readDeleted: async () => ({}),
    }),
  });

  it('publishes one event per person, in read order, when a page repeats a record of the page still committing', async () => {
    const [a, b, c, d] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const pages = [
      [{ id: a, givenName: 'A' }, { id: b, givenName: 'B' }],
      [{ id: b, givenName: 'B' }, { id: c, givenName: 'C' }],
      [{ id: d, givenName: 'D' }],
    ];
    // Commits that take a while, so the next page is always compared before the previous one is in.
    class SlowCommits extends SyncStateRepository {
      override async commitPage(prepared: PreparedPage) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        return super.commitPage(prepared);
      }
    }
    const service = new ReconcileRegisterService(
      new SlowCommits(prisma),
      registerOf(pages),
      new IngestSettings([{ ...DEFAULT_SYNC_SETTINGS, tenant: 'vara', entityTypes: ['Person'] }]),
      new IngestMetrics(new Registry()),
    );
    const result = await service.reconcile('vara', 'manual');
    expect(result.outcome).toBe('succeeded');
    const rows = await prisma.ingestOutbox.findMany({ orderBy: { id: 'asc' } });
    expect(rows.map((row) => [row.subject, (row.payload as { subject?: string }).subject])).toEqual([
      ['register.vara.person.upserted', a],
      ['register.vara.person.upserted', b],
      ['register.vara.person.upserted', c],
      ['register.vara.person.upserted', d],
      ['register.vara.sync.completed', 'vara'],
    ]);
    expect(result.counts.Person).toMatchObject({ read: 5, upserted: 4, unchanged: 1, seen: 4 });
  });
});
