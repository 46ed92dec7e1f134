import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { AttributeReadModel } from '../src/query-attributes/attribute-read-model';
import { createPrismaClient, type PrismaClient } from '@skolkonto/persistence';
import { createTestDatabase, type TestDatabase } from '@skolkonto/testing';
import { IdentifierRegistryRepository } from '../src/identifier-registry/identifier-registry.repository';
import { PublishAttributesService } from '../src/publish-attributes/publish-attributes.service';
import { QueryAttributesService, QueryError } from '../src/query-attributes/query-attributes.service';
import { RecordAccountService } from '../src/record-account/record-account.service';
import { RecordCivicNumberService } from '../src/record-account/record-civic-number.service';
import { anIdentity, eventually, LIBRARY, LMS, MAIL_SP, NIN_SP, testSettings } from './fixtures';

describe(PublishAttributesService.name, () => {
  let database: TestDatabase;
  let prisma: PrismaClient;
  let publish: PublishAttributesService;
  let accounts: RecordAccountService;
  let civicNumbers: RecordCivicNumberService;
  let queries: QueryAttributesService;
  let pool: Pool;
  let people: AttributeReadModel;
  const settings = testSettings();

  beforeAll(async () => {
    database = await createTestDatabase({ prefix: 'fedpub_publish' });
    prisma = createPrismaClient(database.url, { poolSize: 4 });
    publish = new PublishAttributesService(prisma, new IdentifierRegistryRepository(), settings);
    accounts = new RecordAccountService(prisma);
    civicNumbers = new RecordCivicNumberService(prisma);
    pool = new Pool({ connectionString: database.url, max: 2 });
    people = new AttributeReadModel(pool);
    await people.start();
    queries = new QueryAttributesService(people, settings);
  });
  afterAll(async () => {
    await people.stop();
    await pool.end();
    await prisma.$disconnect();
    await database.drop();
  });

  // An identity's federation events (CloudEvents subject = identityId), oldest first.
  const outboxFor = async (identityId: string) =>
    (await prisma.federationOutbox.findMany({ orderBy: { id: 'asc' } })).filter((row) => (row.payload as { subject: string }).subject === identityId);

  it('publishes the validated set without the civic number and revokes it on deactivation', async () => {
    const identity = anIdentity();
    await civicNumbers.applyCivicNumber({ identityId: identity.identityId, tenant: 'skara', version: 1, civicNo: '201203041234' });
    expect(await publish.applyIdentity(identity)).toBe('published');

    const [published] = await outboxFor(identity.identityId);
    expect(published!.subject).toBe('federation.skara.attributes.published');
    const event = published!.payload as { type: string; tenant: string; data: { attributes: Record<string, unknown>; protected: boolean } };
    expect(event.type).toBe('se.skolkonto.federation.attributes.published.v1');
    expect(event.data.protected).toBe(false);
    expect(event.data.attributes).toEqual({
      eduPersonPrincipalName: expect.stringMatching(/^[a-z][a-z0-9]{7}@skara\.se$/),
      eduPersonUniqueId: expect.stringMatching(/@skara\.se$/),
      eduPersonScopedAffiliation: ['student@skara.se', 'member@skara.se'],
      sisSchoolUnitCode: ['12345678'],
      schacHomeOrganization: 'skara.se',
      givenName: 'Åsa',
      sn: 'Ek',
      displayName: 'Åsa Ek',
      mail: 'asa.ek@elev.skara.se',
    });
    expect(JSON.stringify(published!.payload)).not.toContain('201203041234');

    const columns = async () =>
      (
        await prisma.$queryRaw<Array<{ version: number; no_set: boolean; published_at: Date | null; revoked_at: Date | null }>>`
          SELECT identity_version AS version, attributes IS NULL AS no_set, published_at, revoked_at FROM federation_person WHERE identity_id = ${identity.identityId}::uuid`
      )[0]!;
    const first = await columns();
    expect(await publish.applyIdentity({ ...identity, version: 2 })).toBe('unchanged');
    // An unchanged set keeps the time it was published.
    expect(await columns()).toEqual({ ...first, version: 2 });
    expect(await publish.applyIdentity({ ...identity, version: 1, status: 'deactivated' })).toBe('stale');
    expect(await publish.applyIdentity({ ...identity, version: 3, status: 'deactivated' })).toBe('revoked');
    expect(await columns()).toEqual({ version: 3, no_set: true, published_at: first.published_at, revoked_at: expect.any(Date) });
    const events = await outboxFor(identity.identityId);
    expect(events.map((row) => row.subject)).toEqual(['federation.skara.attributes.published', 'federation.skara.attributes.revoked']);
    expect((events[1]!.payload as { data: unknown }).data).toMatchObject({
      eduPersonPrincipalName: event.data.attributes.eduPersonPrincipalName,
      reason: 'deactivated',
      identityVersion: 3,
    });

    // A returning person gets the same ePPN back.
    expect(await publish.applyIdentity({ ...identity, version: 4, status: 'active' })).toBe('published');
    const again = (await outboxFor(identity.identityId))[2]!.payload as { data: { attributes: Record<string, unknown> } };
    expect(again.data.attributes.eduPersonPrincipalName).toBe(event.data.attributes.eduPersonPrincipalName);
  });

  const failuresOf = (row: { payload: unknown } | undefined) => (row!.payload as { data: { failures: unknown[] } }).data.failures;

  it('rejects an invalid school unit code with its reason and publishes the rest', async () => {
    const identity = anIdentity({
      schoolUnits: [
        { schoolUnitCode: '12345678', roles: ['student'] },
        { schoolUnitCode: '1234-567', roles: ['student'] },
      ],
    });
    expect(await publish.applyIdentity(identity)).toBe('published');
    const [failed, published] = await outboxFor(identity.identityId);
    expect(failed!.subject).toBe('federation.skara.attributes.failed');
    expect(failed!.payload).toMatchObject({ type: 'se.skolkonto.federation.attributes.failed.v1', subject: identity.identityId });
    expect((failed!.payload as { data: unknown }).data).toMatchObject({
      identityId: identity.identityId,
      identityVersion: 1,
      failures: [{ attribute: 'sisSchoolUnitCode', rule: 'sisSchoolUnitCode must be exactly 8 digits', value: '1234-567' }],
    });
    expect((published!.payload as { data: { attributes: { sisSchoolUnitCode: string[] } } }).data.attributes.sisSchoolUnitCode).toEqual([
      '12345678',
    ]);
    // The same failure in the next version is not reported again; a different one is.
    await publish.applyIdentity({ ...identity, version: 2, groups: [{ displayName: 'Klass 8B' }] });
    expect((await outboxFor(identity.identityId)).filter((row) => row.subject.endsWith('.failed'))).toHaveLength(1);
    await publish.applyIdentity({ ...identity, version: 3, schoolUnits: [{ schoolUnitCode: '9999', roles: ['student'] }] });
    const failures = (await outboxFor(identity.identityId)).filter((row) => row.subject.endsWith('.failed'));
    expect(failures.map(failuresOf)).toEqual([
      [expect.objectContaining({ value: '1234-567' })],
      [{ attribute: 'sisSchoolUnitCode', rule: 'sisSchoolUnitCode must be exactly 8 digits', value: '9999' }],
    ]);
    expect(await prisma.federationOutbox.count({ where: { subject: { startsWith: 'ops.' } } })).toBe(0);
  });

  it('names a failing value of a protected identity without the value', async () => {
    const identity = anIdentity({
      names: { givenName: 'Skyddad', familyName: 'Identitet', displayName: 'Skyddad identitet', protected: true },
      schoolUnits: [{ schoolUnitCode: '1234-567', roles: ['student'] }],
      enrolments: [{ schoolUnitCode: '1234-567' }],
    });
    await publish.applyIdentity(identity);
    const failed = (await outboxFor(identity.identityId)).find((row) => row.subject.endsWith('.failed'));
    expect(failuresOf(failed)).toEqual([{ attribute: 'sisSchoolUnitCode', rule: 'sisSchoolUnitCode must be exactly 8 digits' }]);
    expect(JSON.stringify(failed!.payload)).not.toContain('1234-567');
  });

  it('names a bad civic number without its value and does not keep it', async () => {
    const identity = anIdentity();
    await publish.applyIdentity(identity);
    const { identityId } = identity;
    expect(await civicNumbers.applyCivicNumber({ identityId, tenant: 'skara', version: 1, civicNo: '2012030412' })).toBe('rejected');
    const failed = (await outboxFor(identityId)).find((row) => row.subject === 'federation.skara.attributes.failed');
    expect(failuresOf(failed)).toEqual([{ attribute: 'norEduPersonNIN', rule: 'norEduPersonNIN must be exactly 12 digits' }]);
    expect(JSON.stringify(failed!.payload)).not.toContain('2012030412');
    expect(await prisma.federationSensitive.findUnique({ where: { identityId } })).toMatchObject({ civicNo: null });
  });

  it('publishes no set when the ePPN itself is invalid, only the failure', async () => {
    const gotene = anIdentity({ tenant: 'gotene' });
    // A scope change in configuration after assignment would leave the stored ePPN at the old scope.
    await prisma.$executeRaw`INSERT INTO federation_identifier (identity_id, tenant, edu_person_principal_name, edu_person_unique_id, subject_id)
      VALUES (${gotene.identityId}::uuid, 'gotene', 'abcdef12@old-scope.se', 'u1234567890@old-scope.se', 's1234567890@old-scope.se')`;
    expect(await publish.applyIdentity(gotene)).toBe('rejected');
    const rows = await outboxFor(gotene.identityId);
    expect(rows.map((row) => row.subject)).toEqual(['federation.gotene.attributes.failed']);
    expect(failuresOf(rows[0])[0]).toMatchObject({ attribute: 'eduPersonPrincipalName', rule: expect.stringMatching(/scope/) });
  });

  it('publishes the normalized email as mail, and reports an invalid one without its value', async () => {
    const withMail = anIdentity({ email: 'asa.ek@elev.skara.se' });
    await publish.applyIdentity(withMail);
    const [published] = await outboxFor(withMail.identityId);
    expect((published!.payload as { data: { attributes: { mail?: string } } }).data.attributes.mail).toBe('asa.ek@elev.skara.se');

    const without = anIdentity({ email: undefined });
    await publish.applyIdentity(without);
    const rows = await outboxFor(without.identityId);
    expect(rows.map((row) => row.subject)).toEqual(['federation.skara.attributes.published']);
    expect((rows[0]!.payload as { data: { attributes: object } }).data.attributes).not.toHaveProperty('mail');

    const broken = anIdentity({ email: 'asa.ek@elev' });
    expect(await publish.applyIdentity(broken)).toBe('published');
    const [failed, publishedRest] = await outboxFor(broken.identityId);
    expect(failuresOf(failed)).toEqual([{ attribute: 'mail', rule: 'mail must be an address local@domain' }]);
    expect(JSON.stringify(failed!.payload)).not.toContain('asa.ek@elev');
    expect((publishedRest!.payload as { data: { attributes: object } }).data.attributes).not.toHaveProperty('mail');
  });

  it('publishes a protected identity without names or mail', async () => {
    const identity = anIdentity({ names: { givenName: 'Skyddad', familyName: 'Identitet', displayName: 'Skyddad identitet', protected: true } });
    await publish.applyIdentity(identity);
    const [published] = await outboxFor(identity.identityId);
    const data = (published!.payload as { data: { attributes: Record<string, unknown>; protected: boolean } }).data;
    expect(data.protected).toBe(true);
    expect(Object.keys(data.attributes).sort()).toEqual(
      ['eduPersonPrincipalName', 'eduPersonScopedAffiliation', 'eduPersonUniqueId', 'schacHomeOrganization', 'sisSchoolUnitCode'].sort(),
    );
  });

  describe('many events at once (one transaction)', () => {
    it('publishes each identity of a batch as one by one would, and an unknown tenant or an unusable event fails alone', async () => {
      const [first, second] = [anIdentity(), anIdentity({ names: { givenName: 'Bo', familyName: 'Ek', displayName: 'Bo Ek', protected: true } })];
      const older = { ...first, version: 1 };
      const newer = { ...first, version: 2, names: { ...first.names, displayName: 'Åsa Ekström' } };
      const unknownTenant = anIdentity({ tenant: 'atlantis' });
      // The batch path itself, not the one-by-one fallback, must get this right.
      const oneByOne = jest.spyOn(publish, 'applyIdentity');
      const outcomes = await publish.applyIdentities([older, unknownTenant, second, newer]);
      expect(oneByOne).not.toHaveBeenCalled();
      oneByOne.mockRestore();
      expect(outcomes.map((o) => ('value' in o ? o.value : (o.error as Error).name))).toEqual(['published', 'UnknownTenantError', 'published', 'published']);
      // One identity's versions in arrival order: both published, the newer one last.
      const firstEvents = await outboxFor(first.identityId);
      expect(firstEvents.map((row) => (row.payload as { data: { identityVersion: number } }).data.identityVersion)).toEqual([1, 2]);
      expect((firstEvents[1]!.payload as { data: { attributes: { displayName: string } } }).data.attributes.displayName).toBe('Åsa Ekström');
      const [secondEvent] = await outboxFor(second.identityId);
      expect((secondEvent!.payload as { data: { protected: boolean; attributes: Record<string, unknown> } }).data.attributes.displayName).toBeUndefined();
      expect(await prisma.federationPerson.findUnique({ where: { identityId: unknownTenant.identityId } })).toBeNull();
      // A batch replayed changes nothing.
      const again = await publish.applyIdentities([older, second, newer]);
      expect(again.map((o) => ('value' in o ? o.value : 'error'))).toEqual(['stale', 'stale', 'stale']);

      // Not a uuid: the database refuses it, which fails the shared transaction; the others still go in.
      const [unusable, third] = [anIdentity({ identityId: 'not-a-uuid' }), anIdentity()];
      const mixed = await publish.applyIdentities([unusable, third]);
      expect(mixed.map((o) => ('value' in o ? o.value : 'error'))).toEqual(['error', 'published']);
      expect(await outboxFor(third.identityId)).toHaveLength(1);
    });

    it('records a batch of account events with the newest directory version winning per identity, and a malformed one fails alone', async () => {
      const [one, two] = [anIdentity(), anIdentity()];
      const account = (identityId: string, identityVersion: number, name: string) => ({
        identityId,
        tenant: 'skara',
        identityVersion,
        accountId: randomUUID(),
        sAMAccountName: name,
        userPrincipalName: `${name}@skola.skara.se`,
      });
      const outcomes = await accounts.applyAccounts([
        { account: account(one.identityId, 2, 'NewName'), kind: 'present' },
        { account: account(one.identityId, 1, 'OldName'), kind: 'present' },
        { account: account(two.identityId, 1, 'TwoName'), kind: 'present' },
      ]);
      expect(outcomes.map((o) => ('value' in o ? o.value : 'error'))).toEqual(['recorded', 'stale', 'recorded']);
      const stored = async (identityId: string) => (await prisma.federationPerson.findUniqueOrThrow({ where: { identityId } })).accountName;
      expect(await stored(one.identityId)).toBe('newname');
      expect(await stored(two.identityId)).toBe('twoname');

      // An older event later changes nothing; a deletion clears the names; a malformed id fails alone.
      const later = await accounts.applyAccounts([
        { account: account(one.identityId, 1, 'Older'), kind: 'present' },
        { account: account(two.identityId, 2, 'TwoName'), kind: 'deleted' },
        { account: { ...account(two.identityId, 3, 'x'), accountId: 'not-a-guid' }, kind: 'present' },
      ]);
      expect(later.map((o) => ('value' in o ? o.value : 'error'))).toEqual(['stale', 'recorded', 'error']);
      expect(await stored(one.identityId)).toBe('newname');
      expect(await stored(two.identityId)).toBeNull();
    });
  });

  describe('many civic numbers at once (one transaction)', () => {
    it('stores the highest version per identity, rejects a bad number without its value, and a malformed event fails alone', async () => {
      const [one, two] = [anIdentity(), anIdentity()];
      const oneByOne = jest.spyOn(civicNumbers, 'applyCivicNumber');
      const outcomes = await civicNumbers.applyCivicNumbers([
        { identityId: one.identityId, tenant: 'skara', version: 2, civicNo: '201203041234' },
        { identityId: one.identityId, tenant: 'skara', version: 1, civicNo: '201001011234' },
        { identityId: two.identityId, tenant: 'skara', version: 1, civicNo: '2012030412' },
      ]);
      // The batch path itself, not the one-by-one fallback, must get this right.
      expect(oneByOne).not.toHaveBeenCalled();
      oneByOne.mockRestore();
      expect(outcomes.map((o) => ('value' in o ? o.value : 'error'))).toEqual(['recorded', 'stale', 'rejected']);
      const stored = async (identityId: string) => prisma.federationSensitive.findUnique({ where: { identityId } });
      expect(await stored(one.identityId)).toMatchObject({ version: 2, civicNo: '201203041234' });
      expect(await stored(two.identityId)).toMatchObject({ version: 1, civicNo: null });
      const failures = (await outboxFor(two.identityId)).filter((row) => row.subject === 'federation.skara.attributes.failed');
      expect(failures).toHaveLength(1);
      expect(failuresOf(failures[0])).toEqual([{ attribute: 'norEduPersonNIN', rule: 'norEduPersonNIN must be exactly 12 digits' }]);
      expect(JSON.stringify(failures[0]!.payload)).not.toContain('2012030412');
      expect((await outboxFor(one.identityId)).filter((row) => row.subject.endsWith('.failed'))).toEqual([]);

      // The same version again is stale, as one by one; a malformed id fails alone and the rest go in.
      const [three] = [anIdentity()];
      const later = await civicNumbers.applyCivicNumbers([
        { identityId: one.identityId, tenant: 'skara', version: 2, civicNo: '201001011234' },
        { identityId: 'not-a-uuid', tenant: 'skara', version: 1, civicNo: '201203041234' },
        { identityId: three.identityId, tenant: 'skara', version: 1, civicNo: '201001011234' },
      ]);
      expect(later.map((o) => ('value' in o ? o.value : 'error'))).toEqual(['stale', 'error', 'recorded']);
      expect(await stored(one.identityId)).toMatchObject({ version: 2, civicNo: '201203041234' });
      expect(await stored(three.identityId)).toMatchObject({ civicNo: '201001011234' });
    });
  });

  describe('querying', () => {
    const guid = randomUUID();
    const identity = anIdentity();
    let eppn: string;

    beforeAll(async () => {
      await publish.applyIdentity(identity);
      await accounts.applyAccount(
        { identityId: identity.identityId, tenant: 'skara', identityVersion: 1, accountId: guid, sAMAccountName: 'AsaEk01', userPrincipalName: 'AsaEk01@skola.skara.se' },
        'present',
      );
      await civicNumbers.applyCivicNumber({ identityId: identity.identityId, tenant: 'skara', version: 1, civicNo: '201203041234' });
      eppn = (await prisma.federationIdentifier.findUniqueOrThrow({ where: { identityId: identity.identityId } })).eduPersonPrincipalName;
      await eventually(() => expect(queries.query({ principal: 'asaek01', sp: NIN_SP, tenants: ['skara'] }).released.norEduPersonNIN).toBeDefined());
    });

    it('resolves the person by sAMAccountName, UPN, ePPN and objectGUID, case-insensitively', async () => {
      for (const principal of ['asaek01', 'ASAEK01@skola.skara.se', eppn.toUpperCase(), guid.toUpperCase()]) {
        const answer = queries.query({ principal, sp: LMS, tenants: ['skara'] });
        expect(answer.identityId).toBe(identity.identityId);
      }
    });

    it("releases exactly the SP's policy", async () => {
      const lms = queries.query({ principal: 'asaek01', sp: LMS, tenants: ['skara'] });
      expect(Object.keys(lms.released).sort()).toEqual(
        ['eduPersonPrincipalName', 'eduPersonScopedAffiliation', 'givenName', 'sn', 'displayName', 'mail', 'sisSchoolUnitCode', 'isMemberOf'].sort(),
      );
      const library = queries.query({ principal: 'asaek01', sp: LIBRARY, tenants: ['skara'] });
      expect(Object.keys(library.released).sort()).toEqual(['eduPersonScopedAffiliation', 'pairwise-id']);
      expect(library.released['pairwise-id']![0]).toMatch(/^[a-z2-7]{52}@skara\.se$/);
      const exam = queries.query({ principal: 'asaek01', sp: NIN_SP, tenants: ['skara'] });
      expect(exam.released).toEqual({ eduPersonPrincipalName: [eppn], norEduPersonNIN: ['201203041234'], givenName: ['Åsa'] });
    });

    it('refuses an unknown SP and does not find a person outside the client tenants', async () => {
      expect(() => queries.query({ principal: 'asaek01', sp: 'https://unknown.example.org', tenants: ['skara'] })).toThrow(
        expect.objectContaining({ code: 'UNKNOWN_SP' }),
      );
      expect(() => queries.query({ principal: 'asaek01', sp: LMS, tenants: ['gotene'] })).toThrow(expect.objectContaining({ code: 'UNKNOWN_PRINCIPAL' }));
      expect(() => queries.query({ principal: 'nobody', sp: LMS, tenants: ['skara'] })).toThrow(QueryError);
    });

    it('releases the mail of a protected identity only where the policy allows it', async () => {
      const hidden = anIdentity({
        names: { givenName: 'Skyddad', familyName: 'Identitet', displayName: 'Skyddad identitet', protected: true },
        email: 'skyddad@elev.skara.se',
      });
      await publish.applyIdentity(hidden);
      await accounts.applyAccount(
        { identityId: hidden.identityId, tenant: 'skara', identityVersion: 1, accountId: randomUUID(), sAMAccountName: 'elev0042', userPrincipalName: 'elev0042@skola.skara.se' },
        'present',
      );
      const lms = await eventually(() => queries.query({ principal: 'elev0042', sp: LMS, tenants: ['skara'] }));
      expect(lms.released).not.toHaveProperty('mail');
      expect(lms.released).not.toHaveProperty('givenName');
      expect(queries.query({ principal: 'elev0042', sp: MAIL_SP, tenants: ['skara'] }).released.mail).toEqual(['skyddad@elev.skara.se']);
      expect(queries.query({ principal: 'asaek01', sp: MAIL_SP, tenants: ['skara'] }).released.mail).toEqual(['asa.ek@elev.skara.se']);
    });

    it('stops answering after revocation', async () => {
      await publish.applyIdentity({ ...identity, version: 2, status: 'deactivated' });
      await eventually(() =>
        expect(() => queries.query({ principal: 'asaek01', sp: LMS, tenants: ['skara'] })).toThrow(expect.objectContaining({ code: 'UNKNOWN_PRINCIPAL' })),
      );
    });
  });
});
