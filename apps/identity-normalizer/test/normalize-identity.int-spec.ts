import fc from 'fast-check';
import { validateCloudEvent } from '@skolkonto/contracts';
import { ManualClock, maskCivicNumber } from '@skolkonto/domain';
import { createPrismaClient, type PrismaClient } from '@skolkonto/persistence';
import { createTestDatabase, type TestDatabase } from '@skolkonto/testing';
import { NormalizeIdentityService } from '../src/normalize-identity/normalize-identity.service';
import { Registry } from 'prom-client';
import { NormalizerDatabase } from '../src/normalize-identity/normalizer-database';
import { NormalizerMetrics } from '../src/normalize-identity/normalizer-metrics';
import type { RegisterEvent } from '../src/normalize-identity/register-event';
import { toTenantPolicies } from '../src/normalize-identity/tenant-policy';
import { aDuty, aGroup, aPerson, aSchoolUnit, anEnrolment, civicNumber, deleted, upserted } from './register-events.builder';

interface OutboxEvent {
  subject: string;
  payload: { id: string; type: string; subject: string; data: Record<string, any> };
}

describe(NormalizeIdentityService.name, () => {
  let db: TestDatabase;
  let prisma: PrismaClient;
  let database: NormalizerDatabase;
  let clock: ManualClock;
  let service: NormalizeIdentityService;
  let tenantSeq = 0;
  const tenantIds = Array.from({ length: 180 }, (_, i) => `t${i}`);
  const policies = toTenantPolicies(tenantIds.map((id) => ({ id, lifecycle: { graceDays: 30, retentionDays: 60, pupilSummerGraceUntil: '08-31' } })));
  /** Every test works in its own tenant, so tests never see each other's identities. */
  const newTenant = () => tenantIds[tenantSeq++]!;

  beforeAll(async () => {
    db = await createTestDatabase();
    prisma = createPrismaClient(db.url);
    database = new NormalizerDatabase(db.url);
  });
  afterAll(async () => {
    await prisma?.$disconnect();
    await database?.close();
    await db?.drop();
  });
  beforeEach(() => {
    clock = new ManualClock('2026-09-01');
    service = new NormalizeIdentityService(database, clock, policies);
  });

  async function outbox(tenant: string): Promise<OutboxEvent[]> {
    const rows = await prisma.normalizerOutbox.findMany({ orderBy: { id: 'asc' } });
    return (rows as unknown as OutboxEvent[]).filter((r) => r.subject.split('.')[1] === tenant);
  }
  const identityEvents = async (tenant: string) => (await outbox(tenant)).filter((e) => e.subject.startsWith('identity.'));

  async function pupil(tenant: string, over: Record<string, unknown> = {}) {
    const unit = aSchoolUnit();
    const person = aPerson({ enrolments: [anEnrolment(unit.id as string)], ...over });
    await service.applyBatch([upserted(tenant, 'organisation', unit), upserted(tenant, 'person', person)]);
    return { unit, person };
  }

  it('never leaves a pupil without the school unit when its person and its organisation are applied side by side', async () => {
    // Separate consumers apply a person and the organisation it is enrolled at in concurrent
    // transactions; each must not miss the other (write skew). Many pairs make an interleaving likely.
    const tenant = newTenant();
    const pairs = Array.from({ length: 40 }, () => {
      const unit = aSchoolUnit();
      return { unit, person: aPerson({ enrolments: [anEnrolment(unit.id as string)] }) };
    });
    await Promise.all(pairs.flatMap(({ unit, person }) => [service.applyBatch([upserted(tenant, 'person', person)]), service.applyBatch([upserted(tenant, 'organisation', unit)])]));
    const latest = new Map<string, Record<string, any>>();
    for (const event of await identityEvents(tenant)) latest.set(event.payload.data.identityId, event.payload.data);
    expect(latest.size).toBe(pairs.length);
    const withoutSchool = [...latest.values()].filter((identity) => identity.schoolUnits.length === 0);
    expect(withoutSchool.map((identity) => identity.identityId)).toEqual([]);
  });

  it('publishes a new pupil as one valid identity.person.changed with normalised names and roles', async () => {
    const tenant = newTenant();
    const unit = aSchoolUnit();
    const person = aPerson({ givenName: '  A\u030ASA\u200B ', familyName: 'VON ESSEN', enrolments: [anEnrolment(unit.id as string)] });
    await service.applyBatch([upserted(tenant, 'organisation', unit), upserted(tenant, 'person', person)]);

    const events = await identityEvents(tenant);
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event!.subject).toBe(`identity.${tenant}.person.changed`);
    expect(validateCloudEvent(event!.payload)).toEqual([]);
    expect(event!.payload.data).toMatchObject({
      tenant,
      version: 1,
      status: 'active',
      names: { givenName: 'Åsa', familyName: 'von Essen', displayName: 'Åsa von Essen', protected: false },
      affiliations: ['student', 'member'],
      schoolUnits: [{ organisationId: unit.id, schoolUnitCode: '12345678', displayName: 'Vallhamra skola', municipalityCode: '1495', roles: ['student'] }],
      sourceRefs: [{ system: 'ss12000', entity: 'Person', id: person.id }],
    });
    expect(JSON.stringify(event!.payload)).not.toContain((person.civicNo as { value: string }).value);
  });

  it('sends the civic number only on the restricted stream, versioned with the identity', async () => {
    const tenant = newTenant();
    const { person } = await pupil(tenant);
    const number = (person.civicNo as { value: string }).value;
    const sensitive = async () => (await outbox(tenant)).filter((e) => e.subject === `sensitive.${tenant}.civicno.changed`);
    expect((await sensitive()).map((e) => e.payload.data)).toEqual([expect.objectContaining({ civicNo: number, kind: 'personnummer', version: 1 })]);
    expect(validateCloudEvent((await sensitive())[0]!.payload)).toEqual([]);

    const corrected = civicNumber('2012-03-64', 77); // samordningsnummer replaces the old number
    await service.applyBatch([upserted(tenant, 'person', { ...person, civicNo: { value: corrected }, meta: { modified: '2026-08-05T00:00:00Z' } })]);
    expect((await sensitive()).at(-1)!.payload.data).toMatchObject({ civicNo: corrected, kind: 'samordningsnummer', version: 2 });
    expect(await identityEvents(tenant)).toHaveLength(1);
    expect(await prisma.normalizerIdentity.findFirstOrThrow({ where: { tenant } })).toMatchObject({ version: 2, birthDate: '2012-03-04' });
  });

  it('changes nothing when the same register events are applied again', async () => {
    const tenant = newTenant();
    const unit = aSchoolUnit();
    const person = aPerson({ enrolments: [anEnrolment(unit.id as string)] });
    const events = [upserted(tenant, 'organisation', unit), upserted(tenant, 'person', person), upserted(tenant, 'group', aGroup(unit.id as string, [person.id as string]))];
    await service.applyBatch(events);
    const before = await identityEvents(tenant);
    const history = await prisma.normalizerIdentityHistory.count();

    const again = await service.applyBatch(events);
    for (const e of events) await service.applyBatch([e]);
    // The same records under new event ids (a re-read by ingest) change nothing either.
    await service.applyBatch(events.map((e) => ({ ...e, eventId: crypto.randomUUID() })));

    expect(again).toMatchObject({ applied: 0, skipped: 3, published: 0 });
    expect(await identityEvents(tenant)).toEqual(before);
    expect(await prisma.normalizerIdentityHistory.count()).toBe(history);
  });

  it('re-derives the class and groups when a group changes, with changedFields and history', async () => {
    const tenant = newTenant();
    const { unit, person } = await pupil(tenant);
    const klass = aGroup(unit.id as string, [person.id as string]);
    const maths = aGroup(unit.id as string, [person.id as string], { displayName: 'Ma 7', groupType: 'Undervisning' });
    const batch = [upserted(tenant, 'group', klass), upserted(tenant, 'group', maths)];
    await service.applyBatch(batch);

    const events = await identityEvents(tenant);
    expect(events).toHaveLength(2);
    expect(events[1]!.payload.data).toMatchObject({
      version: 2,
      class: { groupId: klass.id, displayName: '7A', schoolUnitCode: '12345678' },
      changedFields: ['class', 'groups'],
    });
    expect(events[1]!.payload.data.groups.map((g: any) => g.displayName).sort()).toEqual(['7A', 'Ma 7']);
    const history = await prisma.normalizerIdentityHistory.findMany({ where: { identityId: events[0]!.payload.subject }, orderBy: { version: 'asc' } });
    expect(history.map((h) => h.version)).toEqual([1, 2]);
    expect(history[1]!.before).toEqual({ class: null, groups: [] });
    expect(batch.map((e) => e.eventId)).toContain(history[1]!.causeEventId);
  });

  it('publishes neutral names for a person protected only through a group membership reference', async () => {
    const tenant = newTenant();
    const { unit, person } = await pupil(tenant, { givenName: 'Hemlig', familyName: 'Person' });
    await service.applyBatch([
      upserted(tenant, 'group', aGroup(unit.id as string, [{ person: { id: person.id, securityMarking: 'Skyddad folkbokföring' }, startDate: '2026-08-15' }])),
    ]);
    const last = (await identityEvents(tenant)).at(-1)!;
    expect(last.payload.data.names).toEqual({ givenName: 'Skyddad', familyName: 'Identitet', displayName: 'Skyddad Identitet', protected: true });
    expect(JSON.stringify(last.payload)).not.toContain('Hemlig');
  });

  it('derives faculty from a teaching duty and both roles for a pupil with a duty', async () => {
    const tenant = newTenant();
    const { unit, person } = await pupil(tenant);
    await service.applyBatch([upserted(tenant, 'duty', aDuty(unit.id as string, person.id as string, { dutyRole: 'Lärare', dutyPercent: 20 })), upserted(tenant, 'duty', aDuty(unit.id as string, null))]);
    const last = (await identityEvents(tenant)).at(-1)!;
    expect(last.payload.data.affiliations).toEqual(['student', 'faculty', 'employee', 'member']);
    expect(last.payload.data.schoolUnits[0].roles).toEqual(['student', 'staff']);
    expect(last.payload.data.duties).toEqual([expect.objectContaining({ dutyRole: 'Lärare', dutyPercent: 20, schoolUnitCode: '12345678' })]);
  });

  it('keeps a June leaver until 31 August, then suspends and deactivates on the sweep', async () => {
    const tenant = newTenant();
    clock.set('2026-06-01');
    const { unit, person } = await pupil(tenant, { enrolments: [], meta: { modified: '2026-05-01T00:00:00Z' } });
    await service.applyBatch([upserted(tenant, 'person', { ...person, meta: { modified: '2026-06-01T00:00:00Z' }, enrolments: [anEnrolment(unit.id as string, { startDate: '2025-08-15', endDate: '2026-06-12' })] })]);
    expect((await identityEvents(tenant)).at(-1)!.payload.data.status).toBe('active');

    clock.set('2026-06-13');
    await service.sweep();
    const leaving = (await identityEvents(tenant)).at(-1)!;
    expect(leaving.payload.data).toMatchObject({ status: 'leaving', graceEndsAt: '2026-09-01T00:00:00.000Z', affiliations: [] });

    clock.set('2026-08-31');
    await service.sweep();
    expect((await identityEvents(tenant)).at(-1)!.payload.data.status).toBe('leaving');

    clock.set('2026-09-01');
    await service.sweep();
    expect((await identityEvents(tenant)).at(-1)!.payload.data.status).toBe('suspended');

    clock.set('2026-10-31');
    await service.sweep();
    const last = (await identityEvents(tenant)).at(-1)!;
    expect(last.subject).toBe(`identity.${tenant}.person.deactivated`);
    expect(last.payload.data).toMatchObject({ status: 'deactivated', reason: 'grace-expired' });
    const history = await prisma.normalizerIdentityHistory.findMany({ where: { identityId: last.payload.subject }, orderBy: { version: 'asc' } });
    expect(history.map((h) => h.cause)).toEqual([
      'register-event:REGISTERED',
      'register-event:ROLE_STARTED',
      'lifecycle-sweep:ROLE_ENDED',
      'lifecycle-sweep:GRACE_PERIOD_ENDED',
      'lifecycle-sweep:RETENTION_PERIOD_ENDED',
    ]);
  });

  it('reactivates the same identity when a deactivated pupil returns', async () => {
    const tenant = newTenant();
    const { unit, person } = await pupil(tenant);
    await service.applyBatch([upserted(tenant, 'person', { ...person, personStatus: 'Utvandrad', meta: { modified: '2026-09-02T00:00:00Z' } })]);
    const gone = (await identityEvents(tenant)).at(-1)!;
    expect(gone.payload.data).toMatchObject({ status: 'deactivated', reason: 'emigrated' });

    await service.applyBatch([upserted(tenant, 'person', { ...person, personStatus: 'Aktiv', meta: { modified: '2026-09-03T00:00:00Z' }, enrolments: [anEnrolment(unit.id as string)] })]);
    const back = (await identityEvents(tenant)).at(-1)!;
    expect(back.subject).toBe(`identity.${tenant}.person.reactivated`);
    expect(back.payload.data).toMatchObject({ status: 'active', identityId: gone.payload.data.identityId, version: 3 });
  });

  it.each([
    ['Avliden', 'deceased', 'PERSON_DECEASED'],
    ['Utvandrad', 'emigrated', 'PERSON_EMIGRATED'],
    ['deleted', 'register-deleted', 'DELETED_IN_REGISTER'],
  ])('deactivates at once on %s, with its cause, although the enrolment is still active', async (what, reason, cause) => {
    const tenant = newTenant();
    const { person } = await pupil(tenant);
    const event = what === 'deleted' ? deleted(tenant, 'person', person.id as string) : upserted(tenant, 'person', { ...person, personStatus: what, meta: { modified: '2026-09-02T00:00:00Z' } });
    await service.applyBatch([event]);
    const last = (await identityEvents(tenant)).at(-1)!;
    expect(last.subject).toBe(`identity.${tenant}.person.deactivated`);
    expect(last.payload.data).toMatchObject({ status: 'deactivated', statusCause: reason, reason, version: 2 });
    expect(validateCloudEvent(last.payload)).toEqual([]);
    const history = await prisma.normalizerIdentityHistory.findFirstOrThrow({ where: { identityId: last.payload.subject, version: 2 } });
    expect(history).toMatchObject({ cause: `register-event:${cause}`, causeEventId: event.eventId, kind: 'deactivated' });
  });

  it('links a person who moves to another tenant and takes the old identity leaving → suspended at once, each with cause moved-to-tenant', async () => {
    const from = newTenant();
    const to = newTenant();
    const number = civicNumber('2011-05-06', 222);
    await pupil(from, { civicNo: { value: number } });
    const oldId = (await identityEvents(from))[0]!.payload.subject;
    clock.set('2026-09-20');
    await pupil(to, { civicNo: { value: number } });

    const newIdentity = (await identityEvents(to))[0]!.payload.data;
    expect(newIdentity.identityId).not.toBe(oldId);
    expect(await prisma.normalizerIdentity.findUniqueOrThrow({ where: { id: newIdentity.identityId } })).toMatchObject({ predecessorId: oldId });
    // Two events, consecutive versions, without waiting for the grace period (the old register still lists the pupil).
    const old = (await identityEvents(from)).map((e) => e.payload.data);
    expect(old.map((d) => [d.version, d.status, d.statusCause])).toEqual([
      [1, 'active', 'role-started'],
      [2, 'leaving', 'moved-to-tenant'],
      [3, 'suspended', 'moved-to-tenant'],
    ]);
    expect(old[1]).toMatchObject({ graceEndsAt: '2026-09-20T00:00:00.000Z', changedFields: ['graceEndsAt', 'status', 'statusCause'] });
    for (const e of await identityEvents(from)) expect(validateCloudEvent(e.payload)).toEqual([]);
    expect(await prisma.normalizerIdentity.findUniqueOrThrow({ where: { id: oldId } })).toMatchObject({
      state: 'suspended',
      stateCause: 'MOVED_TO_OTHER_TENANT',
      movedToTenant: to,
      successorId: newIdentity.identityId,
      deactivateOn: '2026-11-19',
    });
    const history = await prisma.normalizerIdentityHistory.findMany({ where: { identityId: oldId }, orderBy: { version: 'asc' } });
    expect(history.map((h) => h.cause)).toEqual(['register-event:ROLE_STARTED', 'register-event:MOVED_TO_OTHER_TENANT', 'register-event:MOVED_TO_OTHER_TENANT']);

    // Re-reading either register changes nothing; retention then deactivates the old identity.
    await pupil(to, { civicNo: { value: number } });
    expect((await identityEvents(from)).length).toBe(3);
    clock.set('2026-11-19');
    await service.sweep(500, [from]);
    expect((await identityEvents(from)).at(-1)!.payload.data).toMatchObject({ version: 4, status: 'deactivated', statusCause: 'retention-period-ended', reason: 'grace-expired' });
  });

  it('brings a mover back: a role in the old tenant started after the move reactivates the same identity, and the one they leave goes leaving → suspended at once', async () => {
    const from = newTenant();
    const to = newTenant();
    const number = civicNumber('2011-07-08', 444);
    const { unit, person } = await pupil(from, { civicNo: { value: number } });
    const oldId = (await identityEvents(from))[0]!.payload.data.identityId;
    clock.set('2026-09-20');
    const moved = await pupil(to, { civicNo: { value: number } });
    const newId = (await identityEvents(to))[0]!.payload.data.identityId;

    // The old register still lists the pupil with the enrolment from before the move: stale, not a return.
    await service.applyBatch([upserted(from, 'person', { ...person, givenName: 'Åsa-Lena', meta: { modified: '2026-09-21T00:00:00Z' } })]);
    expect((await identityEvents(from)).at(-1)!.payload.data).toMatchObject({ identityId: oldId, status: 'suspended', statusCause: 'moved-to-tenant' });

    clock.set('2027-01-10');
    const back = upserted(from, 'person', { ...person, meta: { modified: '2027-01-09T00:00:00Z' }, enrolments: [anEnrolment(unit.id as string, { startDate: '2027-01-10' })] });
    await service.applyBatch([back]);
    const returned = (await identityEvents(from)).at(-1)!;
    expect(returned.subject).toBe(`identity.${from}.person.reactivated`);
    expect(returned.payload.data).toMatchObject({ identityId: oldId, status: 'active', statusCause: 'returned', reason: 're-enrolled' });
    expect(validateCloudEvent(returned.payload)).toEqual([]);
    const left = (await identityEvents(to)).map((e) => e.payload.data).filter((d) => d.statusCause === 'moved-to-tenant');
    expect(left.map((d) => [d.identityId, d.status, d.version])).toEqual([
      [newId, 'leaving', 2],
      [newId, 'suspended', 3],
    ]);
    expect(await prisma.normalizerIdentity.findUniqueOrThrow({ where: { id: oldId } })).toMatchObject({ state: 'active', stateCause: 'RETURNED', movedToTenant: null, successorId: null });
    expect(await prisma.normalizerIdentity.findUniqueOrThrow({ where: { id: newId } })).toMatchObject({ state: 'suspended', stateCause: 'MOVED_TO_OTHER_TENANT', movedToTenant: from, successorId: oldId, predecessorId: oldId });
    const history = await prisma.normalizerIdentityHistory.findMany({ where: { identityId: newId, version: { gte: 2 } }, orderBy: { version: 'asc' } });
    expect(history.map((h) => [h.cause, h.causeEventId])).toEqual([
      ['register-event:MOVED_TO_OTHER_TENANT', back.eventId],
      ['register-event:MOVED_TO_OTHER_TENANT', back.eventId],
    ]);

    // Nothing flips back: the same event again, or the new tenant's stale record re-sent, change nothing.
    const counts = async () => [(await identityEvents(from)).length, (await identityEvents(to)).length];
    const before = await counts();
    await service.applyBatch([back]);
    await service.applyBatch([upserted(to, 'person', { ...moved.person, givenName: 'Åsa-Lena', meta: { modified: '2027-01-11T00:00:00Z' } })]);
    expect((await counts())[0]).toBe(before[0]);
    expect((await identityEvents(to)).at(-1)!.payload.data).toMatchObject({ identityId: newId, status: 'suspended', statusCause: 'moved-to-tenant' });
    expect(await prisma.normalizerReviewItem.count({ where: { tenant: { in: [from, to] } } })).toBe(0);
  });

  // The enrolment the mover left ends in the old register as the new register lists them: whether the
  // two events share a batch (either order) or not, the old identity leaves at once, not after the summer.
  it.each([
    ['the end, then the arrival, in one batch', [['end', 'arrival']]],
    ['the arrival, then the end, in one batch', [['arrival', 'end']]],
    ['the end, then the arrival, in two batches', [['end'], ['arrival']]],
    ['the arrival, then the end, in two batches', [['arrival'], ['end']]],
  ] as const)('moves a pupil whose old enrolment ends as they arrive: %s', async (_, batches) => {
    const from = newTenant();
    const to = newTenant();
    const number = civicNumber('2011-09-10', 555);
    clock.set('2026-05-01');
    const unit = aSchoolUnit();
    const person = aPerson({ civicNo: { value: number }, meta: { modified: '2026-05-01T00:00:00Z' }, enrolments: [anEnrolment(unit.id as string, { startDate: '2025-08-15', endDate: '2027-06-15' })] });
    await service.applyBatch([upserted(from, 'organisation', unit), upserted(from, 'person', person)]);
    const oldId = (await identityEvents(from))[0]!.payload.data.identityId;
    expect((await identityEvents(from)).at(-1)!.payload.data.status).toBe('active');

    clock.set('2026-06-20');
    const newUnit = aSchoolUnit({ displayName: 'Lidköpings skola', schoolUnitCode: '87654321' });
    const events = {
      end: [upserted(from, 'person', { ...person, meta: { modified: '2026-06-19T00:00:00Z' }, enrolments: [anEnrolment(unit.id as string, { startDate: '2025-08-15', endDate: '2026-06-12' })] })],
      arrival: [upserted(to, 'organisation', newUnit), upserted(to, 'person', aPerson({ civicNo: { value: number }, enrolments: [anEnrolment(newUnit.id as string, { startDate: '2026-06-15' })] }))],
    };
    for (const batch of batches) await service.applyBatch(batch.flatMap((name) => events[name]));

    const newId = (await identityEvents(to))[0]!.payload.data.identityId;
    expect(await prisma.normalizerIdentity.findUniqueOrThrow({ where: { id: newId } })).toMatchObject({ state: 'active', predecessorId: oldId });
    expect(await prisma.normalizerIdentity.findUniqueOrThrow({ where: { id: oldId } })).toMatchObject({
      state: 'suspended',
      stateCause: 'MOVED_TO_OTHER_TENANT',
      stateSince: '2026-06-20',
      deactivateOn: '2026-08-19',
      movedToTenant: to,
      successorId: newId,
    });
    // Published in version order, ending in the move.
    const published = (await identityEvents(from)).map((e) => e.payload.data);
    expect(published.map((d) => d.version)).toEqual(published.map((_, i) => i + 1));
    expect(published.at(-1)).toMatchObject({ identityId: oldId, status: 'suspended', statusCause: 'moved-to-tenant' });
    expect(await prisma.normalizerReviewItem.count({ where: { tenant: { in: [from, to] } } })).toBe(0);
  });

  it.each([
    ['the return, then the end', ['return', 'end']],
    ['the end, then the return', ['end', 'return']],
  ] as const)('brings a mover back when the role they leave ends in the same batch (%s): that identity is suspended at once', async (_, order) => {
    const from = newTenant();
    const to = newTenant();
    const number = civicNumber('2011-10-11', 666);
    const { unit, person } = await pupil(from, { civicNo: { value: number } });
    const oldId = (await identityEvents(from))[0]!.payload.data.identityId;
    clock.set('2026-09-20');
    const moved = await pupil(to, { civicNo: { value: number } });
    const newId = (await identityEvents(to))[0]!.payload.data.identityId;

    clock.set('2027-01-10');
    const events = {
      return: upserted(from, 'person', { ...person, meta: { modified: '2027-01-09T00:00:00Z' }, enrolments: [anEnrolment(unit.id as string, { startDate: '2027-01-10' })] }),
      end: upserted(to, 'person', { ...moved.person, meta: { modified: '2027-01-09T00:00:00Z' }, enrolments: [anEnrolment(moved.unit.id as string, { endDate: '2027-01-08' })] }),
    };
    await service.applyBatch(order.map((name) => events[name]));

    expect(await prisma.normalizerIdentity.findUniqueOrThrow({ where: { id: oldId } })).toMatchObject({ state: 'active', stateCause: 'RETURNED', movedToTenant: null, successorId: null });
    expect(await prisma.normalizerIdentity.findUniqueOrThrow({ where: { id: newId } })).toMatchObject({
      state: 'suspended',
      stateCause: 'MOVED_TO_OTHER_TENANT',
      stateSince: '2027-01-10',
      movedToTenant: from,
      successorId: oldId,
    });
    const published = (await identityEvents(to)).map((e) => e.payload.data);
    expect(published.map((d) => d.version)).toEqual(published.map((_, i) => i + 1));
    expect(published.at(-1)).toMatchObject({ identityId: newId, status: 'suspended', statusCause: 'moved-to-tenant' });
  });

  it('does not bring a mover back for a next-term enrolment the old register had before the move', async () => {
    const from = newTenant();
    const to = newTenant();
    const number = civicNumber('2011-08-09', 777);
    const unit = aSchoolUnit();
    const person = aPerson({ civicNo: { value: number }, enrolments: [anEnrolment(unit.id as string, { endDate: '2026-12-20' }), anEnrolment(unit.id as string, { startDate: '2027-01-10', endDate: '2027-06-15' })] });
    await service.applyBatch([upserted(from, 'organisation', unit), upserted(from, 'person', person)]);
    clock.set('2026-09-20');
    await pupil(to, { civicNo: { value: number } });

    clock.set('2027-01-10');
    await service.sweep(500, [from, to]);
    expect((await identityEvents(from)).at(-1)!.payload.data).toMatchObject({ status: 'deactivated', statusCause: 'retention-period-ended' });
    expect((await identityEvents(to)).map((e) => e.payload.data.status)).toEqual(['active']);
  });

  it('links a new register record of a returner to the identity whose record was deleted (same identity, no duplicate, no review)', async () => {
    const from = newTenant();
    const to = newTenant();
    const number = civicNumber('2011-09-10', 555);
    const { unit, person } = await pupil(from, { civicNo: { value: number } });
    const oldId = (await identityEvents(from))[0]!.payload.data.identityId;
    clock.set('2026-09-20');
    await pupil(to, { civicNo: { value: number } });
    const newId = (await identityEvents(to))[0]!.payload.data.identityId;
    clock.set('2026-12-01');
    await service.applyBatch([deleted(from, 'person', person.id as string)]);
    expect((await identityEvents(from)).at(-1)!.payload.data).toMatchObject({ identityId: oldId, status: 'deactivated', reason: 'register-deleted' });

    clock.set('2027-01-10');
    const again = aPerson({ civicNo: { value: number }, meta: { modified: '2027-01-09T00:00:00Z' }, enrolments: [anEnrolment(unit.id as string, { startDate: '2027-01-10' })] });
    await service.applyBatch([upserted(from, 'person', again)]);

    const events = await identityEvents(from);
    expect(new Set(events.map((e) => e.payload.data.identityId))).toEqual(new Set([oldId]));
    expect(events.at(-1)!.subject).toBe(`identity.${from}.person.reactivated`);
    expect(events.at(-1)!.payload.data).toMatchObject({ identityId: oldId, status: 'active', statusCause: 'returned', sourceRefs: [{ system: 'ss12000', entity: 'Person', id: again.id }] });
    expect(await prisma.normalizerSourceLink.findMany({ where: { identityId: oldId } })).toEqual([expect.objectContaining({ tenant: from, personId: again.id })]);
    expect((await identityEvents(to)).at(-1)!.payload.data).toMatchObject({ identityId: newId, status: 'suspended', statusCause: 'moved-to-tenant' });
    expect(await prisma.normalizerReviewItem.count({ where: { tenant: from } })).toBe(0);
  });

  it('sends a new record to review, not a link, when several identities with its civic number lost their records', async () => {
    const tenant = newTenant();
    const number = civicNumber('2011-12-13', 888);
    const first = await pupil(tenant, { civicNo: { value: number } });
    const second = await pupil(tenant, { civicNo: { value: number } });
    await service.applyBatch([deleted(tenant, 'person', first.person.id as string), deleted(tenant, 'person', second.person.id as string)]);
    const gone = [...new Set((await identityEvents(tenant)).map((e) => e.payload.data.identityId))];
    expect(gone).toHaveLength(2);

    await pupil(tenant, { civicNo: { value: number }, meta: { modified: '2026-08-20T00:00:00Z' } });
    const ids = new Set((await identityEvents(tenant)).map((e) => e.payload.data.identityId));
    expect(ids.size).toBe(3);
    const reviews = (await outbox(tenant)).filter((e) => e.subject === `ops.${tenant}.review.requested`).map((e) => e.payload.data);
    expect(reviews.at(-1)!.candidates.map((c: { identityId: string }) => c.identityId).sort()).toEqual([...ids].sort());
  });

  it('sends a new record to review, not a link, while the old record with that civic number is still in the register', async () => {
    const tenant = newTenant();
    const number = civicNumber('2011-11-12', 666);
    await pupil(tenant, { civicNo: { value: number } });
    const oldId = (await identityEvents(tenant))[0]!.payload.data.identityId;
    await pupil(tenant, { civicNo: { value: number } });
    const ids = new Set((await identityEvents(tenant)).map((e) => e.payload.data.identityId));
    expect(ids.size).toBe(2);
    expect(ids.has(oldId)).toBe(true);
    expect((await outbox(tenant)).filter((e) => e.subject === `ops.${tenant}.review.requested`)).toHaveLength(1);
  });

  it('publishes the school address by role, lower-cased; flags an invalid one; never a private one or a protected person\'s', async () => {
    const tenant = newTenant();
    await pupil(tenant, { emails: [{ value: 'asa@gmail.com', type: 'Privat' }, { value: 'Asa.Berg@Elev.Skara.SE', type: 'Skola elev' }] });
    await pupil(tenant, { emails: [{ value: 'asa@@elev', type: 'Skola elev' }, { value: 'asa@gmail.com', type: 'Privat' }] });
    await pupil(tenant, { securityMarking: 'Skyddad folkbokföring', emails: [{ value: 'hemlig.person@elev.skara.se', type: 'Skola elev' }] });
    const [plain, invalid, protectedOne] = (await identityEvents(tenant)).map((e) => e.payload);
    expect(plain!.data.email).toBe('asa.berg@elev.skara.se');
    expect(validateCloudEvent(plain!)).toEqual([]);
    expect(invalid!.data).not.toHaveProperty('email');
    expect(await prisma.normalizerIdentity.findUniqueOrThrow({ where: { id: invalid!.subject } })).toMatchObject({ emailProblem: 'FORMAT' });
    expect(protectedOne!.data).not.toHaveProperty('email');
    expect(JSON.stringify(protectedOne)).not.toContain('hemlig');

    const staff = aPerson({ civicNo: { value: civicNumber('1980-01-01', 321) }, emails: [{ value: 'Lars@Skara.se', type: 'Arbete övrigt' }, { value: 'lars.l@personal.skara.se', type: 'Skola personal' }] });
    const unit = aSchoolUnit();
    await service.applyBatch([upserted(tenant, 'organisation', unit), upserted(tenant, 'person', staff), upserted(tenant, 'duty', aDuty(unit.id as string, staff.id as string))]);
    expect((await identityEvents(tenant)).at(-1)!.payload.data).toMatchObject({ affiliations: ['faculty', 'employee', 'member'], email: 'lars.l@personal.skara.se' });
  });

  it('sends two active persons with one civic number in a tenant to review and never merges them', async () => {
    const tenant = newTenant();
    const number = civicNumber('2010-01-02', 333);
    await pupil(tenant, { civicNo: { value: number } });
    await pupil(tenant, { civicNo: { value: number } });
    await pupil(tenant, { civicNo: { value: number }, meta: { modified: '2026-08-02T00:00:00Z' } });

    const identities = new Set((await identityEvents(tenant)).map((e) => e.payload.data.identityId));
    expect(identities.size).toBe(3);
    const reviews = (await outbox(tenant)).filter((e) => e.subject === `ops.${tenant}.review.requested`);
    expect(reviews.length).toBeGreaterThanOrEqual(1);
    expect(validateCloudEvent(reviews[0]!.payload)).toEqual([]);
    expect(reviews[0]!.payload.data).toMatchObject({ kind: 'civic-number-conflict', candidates: expect.arrayContaining([expect.objectContaining({ matchedOn: ['same civic number'] })]) });
    expect(JSON.stringify(reviews.map((r) => r.payload))).not.toContain(number);
    expect(await prisma.normalizerReviewItem.count({ where: { tenant } })).toBe(reviews.length);
  });

  it('flags a bad civic number without stopping the person', async () => {
    const tenant = newTenant();
    const valid = civicNumber('2012-03-04', 123);
    const wrongCheckDigit = valid.slice(0, 11) + String((Number(valid[11]) + 1) % 10);
    await pupil(tenant, { civicNo: { value: wrongCheckDigit } });
    const event = (await identityEvents(tenant))[0]!;
    expect(event.payload.data.status).toBe('active');
    expect(await prisma.normalizerIdentity.findUniqueOrThrow({ where: { id: event.payload.subject } })).toMatchObject({ civicNumber: null, civicNumberProblem: 'CHECK_DIGIT' });
    expect(maskCivicNumber(wrongCheckDigit)).toBe('20120304-****');
  });

  it('rejects a broken record as ops.record.rejected (once, without personal data) and still applies the rest of the batch', async () => {
    const tenant = newTenant();
    const unit = aSchoolUnit();
    const bad = upserted(tenant, 'group', { id: crypto.randomUUID(), displayName: 'no type' }, { registerId: 'extens' });
    const badPerson = upserted(tenant, 'person', aPerson({ enrolments: [{ schoolType: 'GR' }] }));
    const registry = new Registry();
    const metrics = new NormalizerMetrics(registry);
    service = new NormalizeIdentityService(database, clock, policies, metrics);
    const result = await service.applyBatch([bad, badPerson, upserted(tenant, 'organisation', unit), upserted(tenant, 'person', aPerson({ enrolments: [anEnrolment(unit.id as string)] }))]);
    expect(result.rejected).toEqual([
      { eventId: bad.eventId, reason: expect.stringContaining('groupType') },
      { eventId: badPerson.eventId, reason: expect.stringContaining('enroledAt') },
    ]);
    expect(result.refused).toEqual([]);
    expect(await identityEvents(tenant)).toHaveLength(1);

    const rejections = async () => (await outbox(tenant)).filter((e) => e.subject === `ops.${tenant}.record.rejected`);
    const [group, person] = await rejections();
    expect(validateCloudEvent(group!.payload)).toEqual([]);
    expect(group!.payload.data).toMatchObject({ sourceApp: 'identity-normalizer', record: { system: 'ss12000', entity: 'Group', id: bad.record!.id, registerId: 'extens' }, eventId: bad.eventId, code: 'MISSING_FIELD', reasons: [expect.stringContaining('groupType')] });
    expect(person!.payload.data).toMatchObject({ record: { entity: 'Person', id: badPerson.record!.id }, code: 'MISSING_REFERENCE' });
    expect(JSON.stringify(person!.payload)).not.toContain((badPerson.record!.civicNo as { value: string }).value);

    // Redelivered: nothing new; an unknown tenant is refused (dead letter), not rejected.
    await service.applyBatch([bad, badPerson]);
    expect(await rejections()).toHaveLength(2);
    const counted = (await metrics.recordsRejected.get()).values.map((v) => [v.labels.entity, v.labels.code, v.value]);
    expect(counted.sort()).toEqual([['group', 'MISSING_FIELD', 1], ['person', 'MISSING_REFERENCE', 1]]);
    await expect(service.apply(upserted('nowhere', 'person', aPerson()))).rejects.toMatchObject({ code: 'UNKNOWN_TENANT' });
  });

  it('converges to the same identities whatever order independent register events arrive in', async () => {
    // One school: two units, two classes, a teacher with an assignment, pupils with and without marks.
    const unitA = aSchoolUnit({ id: '00000000-0000-4000-8000-00000000000a', schoolUnitCode: '11111111' });
    const unitB = aSchoolUnit({ id: '00000000-0000-4000-8000-00000000000b', schoolUnitCode: '22222222', displayName: 'Ardala' });
    const p1 = aPerson({ id: '00000000-0000-4000-8000-000000000001', enrolments: [anEnrolment(unitA.id as string)] });
    const p2 = aPerson({ id: '00000000-0000-4000-8000-000000000002', givenName: 'ERIK', civicNo: { value: civicNumber('2012-07-08', 456) }, enrolments: [anEnrolment(unitB.id as string, { startDate: '2026-08-15', endDate: '2026-08-20' })] });
    const p3 = aPerson({ id: '00000000-0000-4000-8000-000000000003', givenName: 'Lärar', familyName: 'Lärarsson', civicNo: { value: civicNumber('1980-01-01', 789) } });
    const k1 = aGroup(unitA.id as string, [p1.id as string], { id: '00000000-0000-4000-8000-0000000000c1' });
    const k2 = aGroup(unitB.id as string, [p2.id as string, { person: { id: p1.id, securityMarking: 'Sekretessmarkering' }, startDate: '2026-08-15' }], { id: '00000000-0000-4000-8000-0000000000c2', displayName: 'Ma', groupType: 'Undervisning' });
    const d1 = aDuty(unitA.id as string, p3.id as string, { id: '00000000-0000-4000-8000-0000000000d1', assignmentRole: [{ group: { id: k1.id }, assignmentRoleType: 'Mentor' }] });
    const records: Array<[RegisterEvent['entity'], Record<string, unknown>]> = [
      ['organisation', unitA], ['organisation', unitB], ['person', p1], ['person', p2], ['person', p3], ['group', k1], ['group', k2], ['duty', d1],
    ];

    const finalState = async (tenant: string) => {
      const rows = await prisma.normalizerIdentity.findMany({ where: { tenant } });
      return rows
        .map((r) => ({ ...(r.published as Record<string, unknown>), identityId: undefined, tenant: undefined, state: r.state, protected: r.protected }))
        .sort((a: any, b: any) => a.sourceRefs[0].id.localeCompare(b.sourceRefs[0].id));
    };

    const reference = newTenant();
    for (const [entity, record] of records) await service.applyBatch([upserted(reference, entity, record)]);
    const expected = await finalState(reference);
    expect(expected).toHaveLength(3);
    expect(expected[0]).toMatchObject({ names: { protected: true }, class: { groupId: k1.id } });
    expect(expected[2]).toMatchObject({ affiliations: ['faculty', 'employee', 'member'], groups: [expect.objectContaining({ groupId: k1.id, role: 'mentor' })] });

    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray(records, { minLength: records.length, maxLength: records.length }), fc.integer({ min: 1, max: 4 }), async (order, batchSize) => {
        const tenant = newTenant();
        const events = order.map(([entity, record]) => upserted(tenant, entity, record));
        for (let i = 0; i < events.length; i += batchSize) await service.applyBatch(events.slice(i, i + batchSize));
        expect(await finalState(tenant)).toEqual(expected);
      }),
      { numRuns: 25 },
    );
  });

  it('converges to the same identities whatever order and batches a move’s register events arrive in', async () => {
    // The old register ends the enrolment and renames the class; the new one lists the school, the pupil and a class.
    const oldUnit = aSchoolUnit();
    const oldClass = (personId: string) => aGroup(oldUnit.id as string, [personId], { meta: { modified: '2026-06-01T00:00:00Z' } });
    const newUnit = aSchoolUnit({ displayName: 'Lidköpings skola', schoolUnitCode: '87654321' });
    let run = 0;
    const finalState = async (from: string, to: string) => {
      const rows = await prisma.normalizerIdentity.findMany({ where: { tenant: { in: [from, to] } } });
      const ids = new Map(rows.map((r) => [r.id, r.tenant === from ? 'old' : 'new']));
      return rows
        .map((r) => ({
          who: ids.get(r.id),
          ...(r.published as Record<string, unknown>),
          identityId: undefined,
          tenant: undefined,
          sourceRefs: undefined,
          groups: (r.published as { groups: unknown[] }).groups.length,
          class: undefined,
          schoolUnits: undefined,
          enrolments: undefined,
          state: [r.state, r.stateCause, r.stateSince, r.suspendOn, r.deactivateOn],
          movedTo: r.movedToTenant === to ? 'new tenant' : r.movedToTenant,
          successor: r.successorId && ids.get(r.successorId),
          predecessor: r.predecessorId && ids.get(r.predecessorId),
        }))
        .sort((a, b) => a.who!.localeCompare(b.who!));
    };
    const scenario = async (order: number[] | null, batchSize: number) => {
      const [from, to] = [newTenant(), newTenant()];
      const number = civicNumber('2011-11-12', 100 + run++);
      clock.set('2026-05-01');
      const person = aPerson({ civicNo: { value: number }, meta: { modified: '2026-05-01T00:00:00Z' }, enrolments: [anEnrolment(oldUnit.id as string, { startDate: '2025-08-15', endDate: '2027-06-15' })] });
      const klass = oldClass(person.id as string);
      await service.applyBatch([upserted(from, 'organisation', oldUnit), upserted(from, 'person', person), upserted(from, 'group', klass)]);
      clock.set('2026-06-20');
      const arriving = aPerson({ civicNo: { value: number }, enrolments: [anEnrolment(newUnit.id as string, { startDate: '2026-06-15' })] });
      const events = [
        upserted(from, 'person', { ...person, meta: { modified: '2026-06-19T00:00:00Z' }, enrolments: [anEnrolment(oldUnit.id as string, { startDate: '2025-08-15', endDate: '2026-06-12' })] }),
        upserted(from, 'group', { ...klass, displayName: '7B', meta: { modified: '2026-06-19T00:00:00Z' } }),
        upserted(to, 'organisation', newUnit),
        upserted(to, 'person', arriving),
        upserted(to, 'group', aGroup(newUnit.id as string, [arriving.id as string], { startDate: '2026-06-15', groupMemberships: [{ person: { id: arriving.id }, startDate: '2026-06-15' }] })),
      ];
      const ordered = order ? order.map((i) => events[i]!) : events;
      for (let i = 0; i < ordered.length; i += batchSize) await service.applyBatch(ordered.slice(i, i + batchSize));
      return finalState(from, to);
    };

    const expected = await scenario(null, 1);
    expect(expected).toHaveLength(2);
    expect(expected[1]).toMatchObject({ who: 'old', status: 'suspended', statusCause: 'moved-to-tenant', movedTo: 'new tenant', successor: 'new', state: ['suspended', 'MOVED_TO_OTHER_TENANT', '2026-06-20', null, '2026-08-19'] });
    expect(expected[0]).toMatchObject({ who: 'new', status: 'active', predecessor: 'old' });
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray([0, 1, 2, 3, 4], { minLength: 5, maxLength: 5 }), fc.integer({ min: 1, max: 5 }), async (order, batchSize) => {
        expect(await scenario(order, batchSize)).toEqual(expected);
      }),
      { numRuns: 20 },
    );
  });
});
