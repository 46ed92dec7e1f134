import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'ldapts';
import { Client as PgClient } from 'pg';
import { EVENTS } from '@skolkonto/contracts';
import { createTestMessaging, EventPublisher, resolveMessagingOptions, type TestMessaging } from '@skolkonto/messaging';
import { createTestDatabase, createTestOu, ldapConnect, loadStackEnv, type TestDatabase, type TestOu } from '@skolkonto/testing';
import { REPO_ROOT } from '../boot/app-process';
import { startReplica, type Replica } from './support/replica';

/**
 * Scale-out on one machine: two replicas (separate processes) of identity-normalizer and of
 * ad-provisioner share one NATS namespace, one PostgreSQL database and one AD OU. Given 80 persons
 * in two tenants, a third of them renamed three times in quick succession, when one replica of each
 * app is SIGKILLed mid-flow, then both replicas of each app handled work, every identity's versions
 * are contiguous, each renamed person's AD displayName is the last rename and every person has
 * exactly one account with a unique sAMAccountName.
 */
const TENANTS = [
  { id: 'lidkoping', ou: 'Lidkoping', municipality: '1494', unitCode: '14940001' },
  { id: 'skara', ou: 'Skara', municipality: '1495', unitCode: '14950001' },
] as const;
const PERSONS_PER_TENANT = 40;
const RENAMED_PER_TENANT = 12;
// Successive family names of a renamed person; the last one must win everywhere.
const RENAMES = ['Lind', 'Ekström', 'Sandberg'];
const GIVEN = ['Anna', 'Erik', 'Maja', 'Olle', 'Saga', 'Noah', 'Ella', 'Liam', 'Alva', 'Hugo'];
// Few family names, so replicas create accounts with colliding name bases at the same time.
const FAMILY = ['Berg', 'Holm', 'Nyberg'];

const NORMALIZER_DURABLE = /^identity-normalizer-normalize-/;
const PROVISIONER_DURABLE = /^ad-provisioner-provision-account-/;

interface Person {
  tenant: (typeof TENANTS)[number];
  id: string;
  givenName: string;
  familyNames: string[];
  record: (version: number) => Record<string, unknown>;
}

function civicNumber(date: string, serial: number): string {
  const first11 = date.replace(/-/g, '') + String(serial).padStart(3, '0');
  const digits = first11.slice(2).split('').map(Number);
  const sum = digits.map((d, i) => (i % 2 === 0 ? d * 2 : d)).map((d) => (d > 9 ? d - 9 : d)).reduce((a, b) => a + b, 0);
  return first11 + String((10 - (sum % 10)) % 10);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, describeLast?: () => string, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms${describeLast ? `; ${describeLast()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

const sum = (counts: Record<string, number>, durable: RegExp) =>
  Object.entries(counts).reduce((total, [name, n]) => (durable.test(name) ? total + n : total), 0);
const hashOf = (record: unknown) => createHash('sha256').update(JSON.stringify(record)).digest('hex');

describe('scale-out: two replicas each of identity-normalizer and ad-provisioner', () => {
  let runDir: string;
  let database: TestDatabase;
  let ou: TestOu;
  let nats: TestMessaging;
  let ldap: Client;
  let publisher: EventPublisher;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    loadStackEnv();
    runDir = join(REPO_ROOT, 'test-artifacts/scale', `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`);
    mkdirSync(runDir, { recursive: true });
    [database, ou, nats] = await Promise.all([createTestDatabase({ prefix: 'scale' }), createTestOu('scale'), createTestMessaging('scale')]);
    ldap = await ldapConnect();
    publisher = new EventPublisher(nats.connection.js, resolveMessagingOptions(nats.options));

    const tenantsFile = join(mkdtempSync(join(tmpdir(), 'skolkonto-scale-')), 'tenants.yaml');
    const lines = ['tenants:'];
    for (const t of TENANTS) {
      const upper = t.id.toUpperCase();
      lines.push(
        `  - id: ${t.id}`,
        `    name: ${t.ou} kommun`,
        `    municipalityCode: "${t.municipality}"`,
        `    register:`,
        `      baseUrl: http://127.0.0.1:9/tenants/${t.id}/v2.1`,
        `      auth: { type: bearer, secretEnv: REGISTER_TOKEN_${upper} }`,
        `      webhookSecretEnv: WEBHOOK_SECRET_${upper}`,
        `    directory: { ouName: ${t.ou}, upnSuffix: skola.${t.id}.se }`,
        `    federation: { scope: ${t.id}.se }`,
      );
    }
    writeFileSync(tenantsFile, `${lines.join('\n')}\n`);

    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATABASE_URL: database.url,
      NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
      NATS_NAMESPACE: nats.namespace,
      TENANTS_FILE: tenantsFile,
      PROVISIONER_ADMIN_TOKEN: randomBytes(18).toString('base64url'),
      PROVISIONER_RECONCILE_INTERVAL_SECONDS: '0',
      // Two identities at a time per provisioner, in batches of five: a replica acks (and is killed)
      // after its first small batch, while most accounts are still to be made. With the default
      // batch of 200 each replica's first ack came when every account already existed.
      PROVISIONER_CONCURRENCY: '2',
      PROVISIONER_BATCH_SIZE: '5',
      LIFECYCLE_SWEEP_INTERVAL_MS: '3600000',
    };
    for (const t of TENANTS) {
      const upper = t.id.toUpperCase();
      env[`REGISTER_TOKEN_${upper}`] = randomBytes(18).toString('base64url');
      env[`WEBHOOK_SECRET_${upper}`] = randomBytes(18).toString('base64url');
      env[`FEDERATION_SECRET_${upper}`] = randomBytes(18).toString('base64url');
    }
    for (const key of ['LDAP_URL', 'LDAP_CA_FILE', 'LDAP_BIND_DN', 'LDAP_BIND_PASSWORD', 'LDAP_BASE_DN', 'AD_REALM']) {
      if (process.env[key]) env[key] = process.env[key]!;
    }
    // LDAP_BASE_DN stays the domain (name collisions are searched domain-wide); OU=Skolkonto and
    // the tenant OUs land under the fresh test OU and are deleted with it.
    env.AD_ACCOUNTS_BASE_DN = ou.dn;

    const started = await Promise.allSettled([
      startReplica('identity-normalizer', 'identity-normalizer-a', env, runDir),
      startReplica('identity-normalizer', 'identity-normalizer-b', env, runDir),
      startReplica('ad-provisioner', 'ad-provisioner-a', env, runDir),
      startReplica('ad-provisioner', 'ad-provisioner-b', env, runDir),
    ]);
    for (const result of started) if (result.status === 'fulfilled') replicas.push(result.value);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }, 180_000);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await ldap?.unbind().catch(() => undefined);
    await ou?.cleanup();
    await nats?.cleanup();
    await database?.drop();
  }, 120_000);

  const replica = (name: string) => replicas.find((r) => r.name === name)!;

  it('shares the work, keeps per-identity order and creates each account once, also when a replica of each is SIGKILLed', async () => {
    // --- data: one school unit per tenant, 40 pupils each, 12 of them renamed three times ---
    const unitIds: Record<string, string> = Object.fromEntries(TENANTS.map((t) => [t.id, randomUUID()]));
    const persons: Person[] = [];
    for (const tenant of TENANTS) {
      for (let i = 0; i < PERSONS_PER_TENANT; i++) {
        const id = randomUUID();
        const givenName = GIVEN[i % GIVEN.length]!;
        const familyNames = [FAMILY[i % FAMILY.length]!, ...(i < RENAMED_PER_TENANT ? RENAMES : [])];
        const civicNo = civicNumber('2013-05-06', persons.length + 100);
        persons.push({
          tenant,
          id,
          givenName,
          familyNames,
          record: (version) => ({
            id,
            meta: { modified: new Date(Date.UTC(2026, 7, 1, 10, 0, version)).toISOString() },
            givenName,
            familyName: familyNames[version]!,
            civicNo: { value: civicNo, nationality: 'SE' },
            securityMarking: 'Ingen',
            personStatus: 'Aktiv',
            enrolments: [{ enroledAt: { id: unitIds[tenant.id] }, schoolType: 'GR', schoolYear: 7, startDate: '2026-08-15', endDate: '2027-06-15' }],
          }),
        });
      }
    }
    const publishPerson = (person: Person, version: number) => {
      const record = person.record(version);
      return publisher.publish(EVENTS.registerPersonUpserted, {
        tenant: person.tenant.id,
        data: { tenant: person.tenant.id, observedAt: new Date().toISOString(), contentHash: hashOf(record), cause: 'delta', record: record as never },
      });
    };
    for (const tenant of TENANTS) {
      const unit = { id: unitIds[tenant.id], meta: { modified: '2026-01-01T00:00:00Z' }, displayName: `${tenant.ou}skolan`, organisationType: 'Skolenhet', schoolUnitCode: tenant.unitCode, municipalityCode: tenant.municipality };
      await publisher.publish(EVENTS.registerOrganisationUpserted, {
        tenant: tenant.id,
        data: { tenant: tenant.id, observedAt: new Date().toISOString(), contentHash: hashOf(unit), cause: 'delta', record: unit as never },
      });
    }

    const db = new PgClient({ connectionString: database.url });
    await db.connect();
    const accounts = async () => {
      const { searchEntries } = await ldap.search(ou.dn, {
        scope: 'sub',
        filter: '(&(objectClass=user)(msDS-cloudExtensionAttribute1=*))',
        attributes: ['msDS-cloudExtensionAttribute1', 'displayName', 'sAMAccountName'],
        sizeLimit: 1000,
      });
      return searchEntries.map((e) => ({ dn: e.dn, personId: String(e['msDS-cloudExtensionAttribute1']), displayName: String(e.displayName), sam: String(e.sAMAccountName) }));
    };
    // Delivered but not yet acknowledged, per consumer (a figure for the report, not an assertion).
    const ackPending = async (stream: string, durable: RegExp) => {
      const out: Record<string, number> = {};
      for await (const info of nats.connection.jsm.consumers.list(nats.streamName(stream))) if (durable.test(info.name)) out[info.name] = info.num_ack_pending;
      return out;
    };
    const acksOf = (durable: RegExp) => Object.fromEntries(replicas.map((r) => [r.name, sum(r.acks(), durable)]));

    try {
      // --- wave 1: every person's first version and one rename of each renamed person, interleaved ---
      const wave1: Array<[Person, number]> = persons.map((p) => [p, 0]);
      for (const p of persons) if (p.familyNames.length > 1) wave1.push([p, 1]);
      await Promise.all(wave1.map(([p, v]) => publishPerson(p, v)));

      // Kill the provisioner replica mid-flow: as soon as it has acked its first identity events.
      const provisionerB = replica('ad-provisioner-b');
      await until('ad-provisioner-b acks identity events', async () => (sum(provisionerB.acks(), PROVISIONER_DURABLE) > 0 ? true : undefined), 90_000, () => JSON.stringify(acksOf(PROVISIONER_DURABLE)), 20);
      await provisionerB.kill('SIGKILL');
      const inFlightAfterKill: Record<string, number> = { ...(await ackPending('IDENTITY', PROVISIONER_DURABLE)) };
      const atProvisionerKill = { acks: acksOf(PROVISIONER_DURABLE), accounts: (await accounts()).length };
      expect(atProvisionerKill.accounts).toBeLessThan(persons.length);

      // --- wave 2: the remaining renames; the second normalizer is SIGKILLed while they arrive ---
      const normalizerB = replica('identity-normalizer-b');
      const normalizerAcksBeforeWave2 = acksOf(NORMALIZER_DURABLE);
      const wave2: Array<[Person, number]> = [];
      for (let v = 2; v < 1 + RENAMES.length; v++) for (const p of persons) if (p.familyNames.length > v) wave2.push([p, v]);
      const published = Promise.all(wave2.map(([p, v]) => publishPerson(p, v)));
      // SIGKILL as soon as it has acked its first wave-2 event: what it pulled beyond that is in flight.
      await until('normalizer b acks a wave-2 event', async () => (sum(normalizerB.acks(), NORMALIZER_DURABLE) > normalizerAcksBeforeWave2['identity-normalizer-b']! ? true : undefined), 30_000, undefined, 5);
      await normalizerB.kill('SIGKILL');
      Object.assign(inFlightAfterKill, await ackPending('REGISTER', NORMALIZER_DURABLE));
      const normalizerAcksAtKill = acksOf(NORMALIZER_DURABLE);
      await published;

      // --- the end state: one account per person with its last name ---
      const expected = new Map(persons.map((p) => [p.id, `${p.givenName} ${p.familyNames[p.familyNames.length - 1]}`]));
      let last: Awaited<ReturnType<typeof accounts>> = [];
      await until(
        'every person has an account with the last displayName',
        async () => {
          last = await accounts();
          const byPerson = new Map(last.map((a) => [a.personId, a.displayName]));
          return [...expected].every(([id, name]) => byPerson.get(id) === name) ? true : undefined;
        },
        150_000,
        () => `${last.length} accounts; wrong or missing: ${[...expected].filter(([id, name]) => !last.some((a) => a.personId === id && a.displayName === name)).length}`,
      );

      // Nothing is left unacknowledged: what the killed replicas held was redelivered to the survivors
      // (after the 30 s ack wait) and handled there.
      await until(
        'all consumers drained',
        async () => {
          for (const stream of ['REGISTER', 'IDENTITY']) {
            for await (const info of nats.connection.jsm.consumers.list(nats.streamName(stream))) {
              if (!/^(identity-normalizer|ad-provisioner)-/.test(info.name)) continue;
              if (info.num_pending > 0 || info.num_ack_pending > 0) return undefined;
            }
          }
          return true;
        },
        90_000,
      );

      // No account is duplicated: one per person, unique sAMAccountNames, no strangers.
      const final = await accounts();
      const perPerson = new Map<string, number>();
      for (const a of final) perPerson.set(a.personId, (perPerson.get(a.personId) ?? 0) + 1);
      expect([...perPerson.entries()].filter(([, n]) => n !== 1)).toEqual([]);
      expect(final).toHaveLength(persons.length);
      expect(new Set(final.map((a) => a.sam.toLowerCase())).size).toBe(final.length);
      const wrongName = final.filter((a) => expected.get(a.personId) !== a.displayName);
      expect(wrongName).toEqual([]);

      // Per-identity order: each identity's published versions are 1..n without gaps, the highest
      // carries the last rename, and the database holds that same version.
      const identityEvents = (await nats.readMessages('IDENTITY')).map(
        (m) => JSON.parse(new TextDecoder().decode(m.data)) as { id: string; type: string; data: { identityId: string; version: number; names: { familyName: string }; sourceRefs: Array<{ entity: string; id: string }> } },
      );
      const versions = new Map<string, { person: string; byVersion: Map<number, string> }>();
      for (const event of identityEvents) {
        const personRef = event.data.sourceRefs?.find((r) => r.entity === 'Person');
        if (!personRef) continue;
        const entry = versions.get(event.data.identityId) ?? { person: personRef.id, byVersion: new Map<number, string>() };
        entry.byVersion.set(event.data.version, event.data.names.familyName);
        versions.set(event.data.identityId, entry);
      }
      expect(versions.size).toBe(persons.length);
      const { rows } = await db.query<{ id: string; version: number }>('SELECT id::text AS id, version FROM normalizer_identity');
      const dbVersion = new Map(rows.map((r) => [r.id, r.version]));
      const orderProblems: string[] = [];
      for (const [identityId, { person, byVersion }] of versions) {
        const sorted = [...byVersion.keys()].sort((a, b) => a - b);
        const max = sorted[sorted.length - 1]!;
        const lastFamily = persons.find((p) => p.id === person)!.familyNames.at(-1);
        if (sorted.join() !== Array.from({ length: max }, (_, i) => i + 1).join()) orderProblems.push(`${identityId}: versions ${sorted.join(',')}`);
        if (byVersion.get(max) !== lastFamily) orderProblems.push(`${identityId}: v${max} has ${byVersion.get(max)}, expected ${lastFamily}`);
        if (dbVersion.get(identityId) !== max) orderProblems.push(`${identityId}: database v${dbVersion.get(identityId)}, stream v${max}`);
      }
      expect(orderProblems).toEqual([]);

      // Nothing was dead-lettered.
      expect(await nats.readMessages('DEADLETTER')).toHaveLength(0);

      // The work was shared: each replica acked some events (counted by the delivery probe).
      const normalizerAcks = acksOf(NORMALIZER_DURABLE);
      const provisionerAcks = acksOf(PROVISIONER_DURABLE);
      // Figures only: how often a message was handled again after a redelivery (the kills, or the
      // 30 s ack wait running out while a message waited in a replica's queue).
      const handledAgain: Record<string, { redeliveredAcks: number; sameSeqTwiceInOneReplica: number }> = {};
      for (const r of replicas) {
        const lines = r.ackLines().filter((l) => PROVISIONER_DURABLE.test(l.durable) || NORMALIZER_DURABLE.test(l.durable));
        const seqs = lines.map((l) => `${l.durable}:${l.seq}`);
        handledAgain[r.name] = { redeliveredAcks: lines.filter((l) => l.delivery > 1).length, sameSeqTwiceInOneReplica: seqs.length - new Set(seqs).size };
      }
      const figures = { handledAgain, inFlightAfterKill, atProvisionerKill, normalizerAcksBeforeWave2, normalizerAcksAtKill, normalizerAcks, provisionerAcks, registerEvents: wave1.length + wave2.length + TENANTS.length, identityEvents: identityEvents.length };
      writeFileSync(join(runDir, 'figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
      for (const name of ['identity-normalizer-a', 'identity-normalizer-b']) expect(normalizerAcks[name]).toBeGreaterThan(0);
      for (const name of ['ad-provisioner-a', 'ad-provisioner-b']) expect(provisionerAcks[name]).toBeGreaterThan(0);
      // The survivors kept going after the kill.
      expect(normalizerAcks['identity-normalizer-a']).toBeGreaterThan(normalizerAcksAtKill['identity-normalizer-a']!);
      expect(provisionerAcks['ad-provisioner-a']).toBeGreaterThan(atProvisionerKill.acks['ad-provisioner-a']!);
      // The replicas that were killed did not come back; the ones left are still up.
      expect(normalizerB.running()).toBe(false);
      expect(provisionerB.running()).toBe(false);
      expect(replica('identity-normalizer-a').running()).toBe(true);
      expect(replica('ad-provisioner-a').running()).toBe(true);
    } finally {
      await db.end();
    }
  }, 240_000);
});
