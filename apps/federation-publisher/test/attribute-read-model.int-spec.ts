import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { createPrismaClient, type PrismaClient } from '@skolkonto/persistence';
import { createTestDatabase, type TestDatabase } from '@skolkonto/testing';
import { IdentifierRegistryRepository } from '../src/identifier-registry/identifier-registry.repository';
import { PublishAttributesService } from '../src/publish-attributes/publish-attributes.service';
import { AttributeReadModel } from '../src/query-attributes/attribute-read-model';
import { RecordAccountService } from '../src/record-account/record-account.service';
import { RecordCivicNumberService } from '../src/record-account/record-civic-number.service';
import { anIdentity, eventually, testSettings } from './fixtures';

describe(AttributeReadModel.name, () => {
  let database: TestDatabase;
  let prisma: PrismaClient;
  let pool: Pool;
  let publish: PublishAttributesService;
  let accounts: RecordAccountService;
  let civicNumbers: RecordCivicNumberService;
  const models: AttributeReadModel[] = [];
  const settings = testSettings();

  beforeAll(async () => {
    database = await createTestDatabase({ prefix: 'fedpub_readmodel' });
    prisma = createPrismaClient(database.url, { poolSize: 4 });
    pool = new Pool({ connectionString: database.url, max: 4 });
    // As in main.ts: a killed LISTEN connection is released to the pool with its error, and pg's pool
    // re-emits any later error of that closing client on itself; unheard, that fails the whole file.
    pool.on('error', () => undefined);
    publish = new PublishAttributesService(prisma, new IdentifierRegistryRepository(), settings);
    accounts = new RecordAccountService(prisma);
    civicNumbers = new RecordCivicNumberService(prisma);
  });
  afterEach(async () => {
    // Each model holds one pooled connection for LISTEN.
    for (const model of models.splice(0)) await model.stop();
  });
  afterAll(async () => {
    await pool.end();
    await prisma.$disconnect();
    await database.drop();
  });

  const started = async () => {
    const model = new AttributeReadModel(pool, { reconnectMs: 50 });
    models.push(model);
    await model.start();
    return model;
  };
  const account = (identityId: string, name: string, tenant = 'skara', identityVersion = 1, accountId = randomUUID()) =>
    accounts.applyAccount({ identityId, tenant, identityVersion, accountId, sAMAccountName: name, userPrincipalName: `${name}@skola.${tenant}.se` }, 'present');

  it('loads the released people at start, not pending ones', async () => {
    const active = anIdentity();
    const pending = anIdentity({ status: 'pending' });
    await publish.applyIdentity(active);
    await publish.applyIdentity(pending);
    await account(active.identityId, 'aktiv01');
    await account(pending.identityId, 'vantar01');
    const model = await started();
    expect(model.isCurrent()).toBe(true);
    expect(model.find('AKTIV01', ['skara'])?.identityId).toBe(active.identityId);
    expect(model.find('vantar01', ['skara'])).toBeUndefined();
  });

  it('follows committed changes: new people, renamed accounts, civic numbers, revocations', async () => {
    const model = await started();
    const identity = anIdentity();
    const guid = randomUUID();
    await publish.applyIdentity(identity);
    await account(identity.identityId, 'ny01', 'skara', 1, guid);
    const person = await eventually(() => {
      const found = model.find(guid.toUpperCase(), ['skara']);
      if (!found) throw new Error('not yet in the read model');
      return found;
    });
    expect(person.identityId).toBe(identity.identityId);
    expect(model.find('ny01@skola.skara.se', ['skara'])).toBe(person);
    expect(model.find(person.eduPersonPrincipalName!, ['skara'])).toBe(person);

    await account(identity.identityId, 'ny02', 'skara', 2, guid);
    await eventually(() => expect(model.find('ny02', ['skara'])?.identityId).toBe(identity.identityId));
    expect(model.find('ny01', ['skara'])).toBeUndefined();

    await civicNumbers.applyCivicNumber({ identityId: identity.identityId, tenant: 'skara', version: 1, civicNo: '201203041234' });
    await eventually(() => expect(model.find('ny02', ['skara'])?.civicNo).toBe('201203041234'));

    await publish.applyIdentity({ ...identity, version: 2, status: 'deactivated' });
    await eventually(() => expect(model.find('ny02', ['skara'])).toBeUndefined());
    expect(model.find(guid, ['skara'])).toBeUndefined();
  });

  it("answers only within the client's tenants, and not when a name is in two of them", async () => {
    const model = await started();
    const skara = anIdentity();
    const gotene = anIdentity({ tenant: 'gotene' });
    await publish.applyIdentity(skara);
    await publish.applyIdentity(gotene);
    await account(skara.identityId, 'dubbel01', 'skara');
    await account(gotene.identityId, 'dubbel01', 'gotene');
    await eventually(() => expect(model.find('dubbel01', ['gotene'])?.identityId).toBe(gotene.identityId));
    await eventually(() => expect(model.find('dubbel01', ['skara'])?.identityId).toBe(skara.identityId));
    expect(model.find('dubbel01', ['skara', 'gotene'])).toBeUndefined();
  });

  it('reloads everything after losing its change feed, including changes made meanwhile', async () => {
    const model = await started();
    const identity = anIdentity();
    await publish.applyIdentity(identity);
    await account(identity.identityId, 'borta01');
    await eventually(() => expect(model.find('borta01', ['skara'])).toBeDefined());

    // Kill the LISTEN connection from the server side, then change data before it can reconnect.
    const { rows } = await pool.query<{ killed: string }>(`SELECT count(pg_terminate_backend(pid)) AS killed FROM pg_stat_activity
                      WHERE datname = current_database() AND query LIKE 'LISTEN federation_person_changed%'`);
    expect(Number(rows[0]!.killed)).toBe(1);
    await publish.applyIdentity({ ...identity, version: 2, status: 'deactivated' });
    const late = anIdentity();
    await publish.applyIdentity(late);
    await account(late.identityId, 'sen02');

    await eventually(() => {
      expect(model.isCurrent()).toBe(true);
      expect(model.find('borta01', ['skara'])).toBeUndefined();
      expect(model.find('sen02', ['skara'])?.identityId).toBe(late.identityId);
    });
  });
});
