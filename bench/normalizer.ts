// npm run bench:normalizer — register events in → identity events out, on a fresh PostgreSQL database.
// Streams EVENTS register events (schools, pupils with enrolments, their classes, staff duties)
// through NormalizeIdentityService in batches, and reports persons/s, identity events/s and heap
// use sampled along the way (it should stay flat: nothing is kept per event).
//   EVENTS=100000 BATCH=500 npm run bench:normalizer
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@skolkonto/domain';
import { createPrismaClient } from '@skolkonto/persistence';
import { adminDatabaseUrl, createTestDatabase } from '@skolkonto/testing';
import { Client } from 'pg';
import { NormalizeIdentityService } from '../apps/identity-normalizer/src/normalize-identity/normalize-identity.service';
import { NormalizerDatabase } from '../apps/identity-normalizer/src/normalize-identity/normalizer-database';
import type { RegisterEvent } from '../apps/identity-normalizer/src/normalize-identity/register-event';
import { toTenantPolicies } from '../apps/identity-normalizer/src/normalize-identity/tenant-policy';

const TOTAL = Number(process.env.EVENTS ?? 100_000);
const BATCH = Number(process.env.BATCH ?? 500);
/** Batches in flight: PostgreSQL works on one while Node builds the next (advisory locks keep them apart). */
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 2);
const TENANTS = ['lidkoping', 'skara', 'gotene', 'essunga'];
const CLASS_SIZE = 25;
const GIVEN = ['ÅSA', 'erik', 'Anna-Karin', 'Per', 'Märta', 'Ölof', 'Linnéa', 'Sven'];
const FAMILY = ['von Essen', 'ANDERSSON', 'öberg', 'Svensson-Åhman', 'de la Gardie', 'Lind'];

/** A distinct valid civic number per seq (< 3,650,000): a thousand serials per birth day. */
function civicNumber(seq: number): string {
  const date = new Date(Date.UTC(1990, 0, 1) + Math.floor(seq / 1000) * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
  const first11 = date + String(seq % 1000).padStart(3, '0');
  const sum = first11.slice(2).split('').map(Number).map((d, i) => (i % 2 === 0 ? d * 2 : d)).map((d) => (d > 9 ? d - 9 : d)).reduce((a, b) => a + b, 0);
  return first11 + String((10 - (sum % 10)) % 10);
}

/** A register as ingest would publish it, generated lazily so the generator holds no state per person. */
function* registerEvents(total: number): Generator<RegisterEvent & { isPerson: boolean }> {
  let emitted = 0;
  let seq = 0;
  const event = (tenant: string, entity: RegisterEvent['entity'], record: Record<string, unknown>) => {
    emitted++;
    return { eventId: randomUUID(), tenant, entity, verb: 'upserted' as const, observedAt: new Date().toISOString(), record, isPerson: entity === 'person' };
  };
  const units = TENANTS.map((tenant, t) =>
    Array.from({ length: 5 }, (_, u) => ({
      tenant,
      id: randomUUID(),
      record: { id: '', displayName: `Skola ${t}-${u}`, organisationType: 'Skolenhet', schoolUnitCode: String(10_000_000 + t * 100 + u), municipalityCode: '1495' },
    })),
  ).flat();
  for (const unit of units) yield event(unit.tenant, 'organisation', { ...unit.record, id: unit.id, meta: { modified: '2026-01-01T00:00:00Z' } });
  while (emitted < total) {
    const unit = units[seq % units.length]!;
    const members: string[] = [];
    for (let i = 0; i < CLASS_SIZE && emitted < total; i++) {
      const id = randomUUID();
      members.push(id);
      seq++;
      yield event(unit.tenant, 'person', {
        id,
        meta: { modified: '2026-08-01T00:00:00Z' },
        givenName: GIVEN[seq % GIVEN.length],
        familyName: FAMILY[seq % FAMILY.length],
        civicNo: { value: civicNumber(seq) },
        securityMarking: seq % 500 === 0 ? 'Skyddad folkbokföring' : 'Ingen',
        personStatus: 'Aktiv',
        emails: [{ value: `elev${seq}@skola.se`, type: 'Skola elev' }],
        enrolments: [{ enroledAt: { id: unit.id }, schoolType: 'GR', schoolYear: 1 + (seq % 9), startDate: '2026-08-15', endDate: '2027-06-15' }],
      });
    }
    if (emitted >= total) break;
    yield event(unit.tenant, 'group', {
      id: randomUUID(),
      meta: { modified: '2026-08-10T00:00:00Z' },
      displayName: `${1 + (seq % 9)}${'ABCD'[seq % 4]}`,
      groupType: 'Klass',
      organisation: { id: unit.id },
      startDate: '2026-08-15',
      groupMemberships: members.map((id) => ({ person: { id }, startDate: '2026-08-15' })),
    });
    if (emitted < total && seq % 100 < CLASS_SIZE) {
      // Now and then a teacher: a person with a duty at the unit.
      const teacher = randomUUID();
      seq++;
      yield event(unit.tenant, 'person', { id: teacher, meta: { modified: '2026-08-01T00:00:00Z' }, givenName: 'LÄRARE', familyName: `NUMMER ${seq}`, civicNo: { value: civicNumber(seq + 1_000_000) } });
      if (emitted < total) yield event(unit.tenant, 'duty', { id: randomUUID(), dutyAt: { id: unit.id }, dutyRole: 'Lärare', startDate: '2020-08-01', person: { id: teacher } });
    }
  }
}

async function main(): Promise<void> {
  const db = await createTestDatabase({ prefix: 'bench_normalizer' });
  const prisma = createPrismaClient(db.url, { poolSize: 2 });
  const database = new NormalizerDatabase(db.url, { poolSize: 4 });
  const service = new NormalizeIdentityService(database, new ManualClock('2026-09-01'), toTenantPolicies(TENANTS.map((id) => ({ id }))));
  const samples: Array<{ events: number; heapMb: number; rssMb: number; seconds: number }> = [];
  try {
    let events = 0;
    let persons = 0;
    let published = 0;
    let batch: RegisterEvent[] = [];
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    const inFlight = new Set<Promise<void>>();
    const flush = async () => {
      const work = service.applyBatch(batch).then((result) => {
        if (result.rejected.length || result.refused.length) throw new Error(`rejected: ${(result.rejected[0] ?? result.refused[0])!.reason}`);
        published += result.published;
      });
      batch = [];
      const tracked = work.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      if (inFlight.size >= CONCURRENCY) await Promise.race(inFlight);
    };
    const cpuStart = process.cpuUsage();
    const loadStart = os.loadavg()[0];
    for (const { isPerson, ...event } of registerEvents(TOTAL)) {
      batch.push(event);
      events++;
      if (isPerson) persons++;
      if (batch.length >= BATCH) await flush();
      if (events % 10_000 === 0) {
        const m = process.memoryUsage();
        samples.push({ events, heapMb: +(m.heapUsed / 2 ** 20).toFixed(1), rssMb: +(m.rss / 2 ** 20).toFixed(1), seconds: +seconds().toFixed(2) });
        console.log(`${events} events  ${(events / seconds()).toFixed(0)} ev/s  heap ${samples.at(-1)!.heapMb} MB  rss ${samples.at(-1)!.rssMb} MB`);
      }
    }
    if (batch.length) await flush();
    await Promise.all(inFlight);
    const elapsed = seconds();
    const cpu = process.cpuUsage(cpuStart);
    const postgresCpuSeconds = await backendCpuSeconds(db.name);
    const outbox = await prisma.normalizerOutbox.count({ where: { subject: { startsWith: 'identity.' } } });
    const identities = await prisma.normalizerIdentity.count();
    const warm = samples.slice(1);
    const result = {
      events,
      persons,
      identities,
      identityEventsOut: outbox,
      publishedReported: published,
      seconds: +elapsed.toFixed(2),
      eventsPerSecond: Math.round(events / elapsed),
      personsPerSecond: Math.round(persons / elapsed),
      identityEventsPerSecond: Math.round(outbox / elapsed),
      batchSize: BATCH,
      concurrency: CONCURRENCY,
      nodeCpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2),
      postgresCpuSeconds,
      /** What an otherwise idle machine could do with these CPU costs: node and PostgreSQL in parallel, capped by the core count. */
      cpuBoundPersonsPerSecond: Math.round(persons / Math.max((cpu.user + cpu.system) / 1e6, postgresCpuSeconds ?? 0, ((cpu.user + cpu.system) / 1e6 + (postgresCpuSeconds ?? 0)) / os.cpus().length)),
      cpus: os.cpus().length,
      loadAverage: { start: +loadStart!.toFixed(2), end: +os.loadavg()[0]!.toFixed(2) },
      heapMb: { first: warm[0]?.heapMb, last: warm.at(-1)?.heapMb, max: Math.max(...warm.map((s) => s.heapMb)) },
      samples,
    };
    console.log(JSON.stringify({ ...result, samples: undefined }, null, 2));
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(join(__dirname, 'results', 'normalizer.json'), JSON.stringify(result, null, 2));
    if (result.personsPerSecond < 1500) console.log(`BELOW TARGET: ${result.personsPerSecond} persons/s < 1500`);
  } finally {
    await prisma.$disconnect();
    await database.close();
    await db.drop();
  }
}

/** CPU time of the PostgreSQL backends serving the bench database (Linux /proc; undefined elsewhere). */
async function backendCpuSeconds(database: string): Promise<number | undefined> {
  const client = new Client({ connectionString: adminDatabaseUrl() });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1`, [database]);
    let ticks = 0;
    for (const { pid } of rows) {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    }
    return +(ticks / 100).toFixed(2);
  } catch {
    return undefined;
  } finally {
    await client.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
