import { randomUUID } from 'node:crypto';
import { validateCloudEvent, type ReviewResolvedV1 } from '@skolkonto/contracts';
import { ManualClock } from '@skolkonto/domain';
import { createPrismaClient, type PrismaClient } from '@skolkonto/persistence';
import { createTestDatabase, type TestDatabase } from '@skolkonto/testing';
import { NormalizeIdentityService } from '../src/normalize-identity/normalize-identity.service';
import { NormalizerDatabase } from '../src/normalize-identity/normalizer-database';
import { toTenantPolicies } from '../src/normalize-identity/tenant-policy';
import { ResolveReviewService } from '../src/resolve-review/resolve-review.service';
import { aPerson, aSchoolUnit, anEnrolment, civicNumber, upserted } from './register-events.builder';

interface OutboxEvent {
  subject: string;
  payload: { id: string; type: string; subject: string; data: Record<string, any> };
}

/**
 * Given a review the normalizer opened (same civic number on two active persons of one tenant),
 * when an operator's ops.review.resolved arrives, then link deactivates the other identity as merged
 * and keep-separate changes nothing — each applied once, never undone by later register events.
 */
describe(ResolveReviewService.name, () => {
  let db: TestDatabase;
  let prisma: PrismaClient;
  let database: NormalizerDatabase;
  let normalizer: NormalizeIdentityService;
  let service: ResolveReviewService;
  const clock = new ManualClock('2026-09-01T08:00:00Z');
  const tenants = ['r1', 'r2', 'r3', 'r4'];
  let next = 0;

  beforeAll(async () => {
    db = await createTestDatabase({ prefix: 'normalizer_review' });
    prisma = createPrismaClient(db.url);
    database = new NormalizerDatabase(db.url);
    normalizer = new NormalizeIdentityService(database, clock, toTenantPolicies(tenants.map((id) => ({ id }))));
    service = new ResolveReviewService(normalizer);
  });
  afterAll(async () => {
    await prisma?.$disconnect();
    await database?.close();
    await db?.drop();
  });

  const outbox = async (tenant: string) =>
    ((await prisma.normalizerOutbox.findMany({ orderBy: { id: 'asc' } })) as unknown as OutboxEvent[]).filter((r) => r.subject.split('.')[1] === tenant);
  const identityEvents = async (tenant: string, identityId: string) => (await outbox(tenant)).filter((e) => e.subject.startsWith('identity.') && e.payload.subject === identityId);

  /** Two pupils of one tenant with the same civic number: a review, and both identities. */
  async function conflict() {
    const tenant = tenants[next++]!;
    const number = civicNumber('2010-04-05', 444);
    const unit = aSchoolUnit();
    const first = aPerson({ civicNo: { value: number }, enrolments: [anEnrolment(unit.id as string)] });
    const second = aPerson({ civicNo: { value: number }, enrolments: [anEnrolment(unit.id as string)] });
    clock.set('2026-09-01T08:00:00Z');
    await normalizer.applyBatch([upserted(tenant, 'organisation', unit), upserted(tenant, 'person', first)]);
    clock.set('2026-09-01T09:00:00Z');
    await normalizer.applyBatch([upserted(tenant, 'person', second)]);
    const identityOf = async (personId: string) => (await prisma.normalizerSourceLink.findFirstOrThrow({ where: { tenant, personId } })).identityId;
    const review = (await outbox(tenant)).find((e) => e.subject === `ops.${tenant}.review.requested`)!;
    return { tenant, first, second, firstId: await identityOf(first.id as string), secondId: await identityOf(second.id as string), reviewId: review.payload.data.reviewId as string };
  }
  const decision = (tenant: string, reviewId: string, over: Partial<ReviewResolvedV1> = {}): ReviewResolvedV1 => ({
    reviewId,
    tenant,
    sourceApp: 'identity-normalizer',
    decision: 'link',
    decidedBy: 'operator.anna',
    decidedAt: '2026-09-01T10:00:00.000Z',
    ...over,
  });

  it('links: keeps the identity created first and deactivates the other as merged, linked to it, once', async () => {
    const { tenant, second, firstId, secondId, reviewId } = await conflict();
    const eventId = randomUUID();
    expect(await service.resolve(decision(tenant, reviewId), eventId)).toEqual({ outcome: 'applied', merged: [secondId], published: 1 });

    const merged = (await identityEvents(tenant, secondId)).at(-1)!;
    expect(merged.subject).toBe(`identity.${tenant}.person.deactivated`);
    expect(merged.payload.data).toMatchObject({ status: 'deactivated', statusCause: 'merged', reason: 'merged', version: 2 });
    expect(validateCloudEvent(merged.payload)).toEqual([]);
    expect(await prisma.normalizerIdentity.findUniqueOrThrow({ where: { id: secondId } })).toMatchObject({ mergedIntoId: firstId, successorId: firstId, stateCause: 'MERGED' });
    expect((await identityEvents(tenant, firstId)).map((e) => e.payload.data.status)).toEqual(['active']);
    expect(await prisma.normalizerReviewItem.findFirstOrThrow({ where: { reviewId } })).toMatchObject({ decision: 'link', keptIdentityId: firstId, decidedBy: 'operator.anna', decisionEventId: eventId, resolvedAt: new Date('2026-09-01T10:00:00.000Z') });
    const history = await prisma.normalizerIdentityHistory.findFirstOrThrow({ where: { identityId: secondId, version: 2 } });
    expect(history).toMatchObject({ cause: 'review-decision:MERGED', causeEventId: eventId });

    // The same decision again (redelivery) changes nothing; a contradicting one is refused.
    expect(await service.resolve(decision(tenant, reviewId), randomUUID())).toMatchObject({ outcome: 'already-applied', published: 0 });
    await expect(service.resolve(decision(tenant, reviewId, { decision: 'keep-separate' }), randomUUID())).rejects.toMatchObject({ code: 'REVIEW_DECIDED' });

    // A later change of the merged person's register record neither reactivates it nor opens a review again.
    await normalizer.applyBatch([upserted(tenant, 'person', { ...second, givenName: 'Annan', meta: { modified: '2026-08-30T00:00:00Z' } })]);
    expect((await identityEvents(tenant, secondId)).at(-1)!.payload.data).toMatchObject({ status: 'deactivated', names: { givenName: 'Annan' } });
    expect((await outbox(tenant)).filter((e) => e.subject === `ops.${tenant}.review.requested`)).toHaveLength(1);
  });

  it('links keeping the identity the operator names', async () => {
    const { tenant, firstId, secondId, reviewId } = await conflict();
    await service.resolve(decision(tenant, reviewId, { keepIdentityId: secondId }), randomUUID());
    expect((await identityEvents(tenant, firstId)).at(-1)!.payload.data).toMatchObject({ status: 'deactivated', reason: 'merged' });
    expect((await identityEvents(tenant, secondId)).map((e) => e.payload.data.status)).toEqual(['active']);
    await expect(service.resolve(decision(tenant, reviewId, { keepIdentityId: randomUUID() }), randomUUID())).rejects.toMatchObject({ code: 'INVALID_DECISION' });
  });

  it('keeps separate: records the decision, changes no identity, and does not raise the same conflict again', async () => {
    const { tenant, first, firstId, secondId, reviewId } = await conflict();
    const before = (await outbox(tenant)).length;
    expect(await service.resolve(decision(tenant, reviewId, { decision: 'keep-separate' }), randomUUID())).toEqual({ outcome: 'applied', merged: [], published: 0 });
    expect((await outbox(tenant)).length).toBe(before);
    expect(await prisma.normalizerReviewItem.findFirstOrThrow({ where: { reviewId } })).toMatchObject({ decision: 'keep-separate', keptIdentityId: null });
    await normalizer.applyBatch([upserted(tenant, 'person', { ...first, givenName: 'Ny', meta: { modified: '2026-08-30T00:00:00Z' } })]);
    expect((await outbox(tenant)).filter((e) => e.subject === `ops.${tenant}.review.requested`)).toHaveLength(1);
    for (const id of [firstId, secondId]) expect((await identityEvents(tenant, id)).at(-1)!.payload.data.status).toBe('active');
  });

  it('refuses a decision on an unknown review or in another tenant', async () => {
    const { reviewId } = await conflict();
    await expect(service.resolve(decision('r1', randomUUID()), randomUUID())).rejects.toMatchObject({ code: 'REVIEW_NOT_FOUND' });
    await expect(service.resolve(decision('r2', reviewId), randomUUID())).rejects.toMatchObject({ code: 'REVIEW_NOT_FOUND' });
  });
});
