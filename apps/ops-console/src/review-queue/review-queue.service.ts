// Reviews: what an app (the identity-normalizer) will not decide on its own — e.g. one civic number on
// two active persons of a tenant — listed for the operator's tenants with what the console knows of
// each candidate. An operator decides (link, naming the identity to keep, or keep-separate) with a
// comment; the decision is recorded here, written to the audit log and published as
// ops.<tenant>.review.resolved through the console outbox, in one transaction. The requesting app applies it.
import { Inject, Injectable, Logger } from '@nestjs/common';
import { buildEvent, EVENTS, REVIEW_DECISIONS, ReviewDecision, ReviewResolvedV1 } from '@skolkonto/contracts';
import { validateEventAgainstContract } from '@skolkonto/messaging';
import { enqueueEvent, Prisma, PrismaClient } from '@skolkonto/persistence';
import { canSeeTenant, hasRole, Principal, tenantScope } from '../auth/roles';
import { ConsoleConfig } from '../config';
import { consoleMetrics } from '../console-metrics';
import { civicNumberMac, normalizeCivicNumber } from '../person-timeline/civic-number-mac';
import { maskSensitive } from '../shared/mask-sensitive';
import { CONSOLE_CONFIG } from '../shared/prisma.provider';
import { toCandidates } from './reviews.projection';

export class ReviewError extends Error {
  constructor(
    readonly code: 'NOT_FOUND' | 'ALREADY_RESOLVED' | 'INVALID' | 'FORBIDDEN',
    message: string,
  ) {
    super(message);
  }
}

export interface ResolveInput {
  decision?: unknown;
  keepIdentityId?: unknown;
  comment?: unknown;
}

export interface Resolution {
  decision: ReviewDecision;
  keepIdentityId?: string;
  comment: string;
}

/**
 * Pure: the operator's decision, or a ReviewError naming the bad field. `link` must name the identity
 * to keep (one of the candidates): the normalizer's default (the one created first) is not something
 * an operator can see, so the console never leaves the choice to it.
 */
export function parseResolution(input: ResolveInput, candidateIds: string[]): Resolution {
  const decision = input.decision;
  if (typeof decision !== 'string' || !(REVIEW_DECISIONS as readonly string[]).includes(decision)) {
    throw new ReviewError(
      'INVALID',
      `decision: must be ${REVIEW_DECISIONS.map((d) => `'${d}'`).join(' or ')}`,
    );
  }
  const comment = typeof input.comment === 'string' ? input.comment.trim() : '';
  if (!comment)
    throw new ReviewError('INVALID', 'comment: required (why the candidates are, or are not, one person)');
  if (comment.length > 2000) throw new ReviewError('INVALID', 'comment: at most 2000 characters');
  const keep =
    input.keepIdentityId === undefined || input.keepIdentityId === null || input.keepIdentityId === ''
      ? undefined
      : input.keepIdentityId;
  if (decision === 'keep-separate') {
    if (keep !== undefined) throw new ReviewError('INVALID', "keepIdentityId: only for decision 'link'");
    return { decision, comment };
  }
  if (typeof keep !== 'string' || !candidateIds.includes(keep))
    throw new ReviewError('INVALID', 'keepIdentityId: pick the candidate identity to keep');
  return { decision: 'link', keepIdentityId: keep, comment };
}

type ReviewRow = Awaited<ReturnType<PrismaClient['consoleReview']['findUniqueOrThrow']>>;

@Injectable()
export class ReviewQueueService {
  private readonly logger = new Logger(ReviewQueueService.name);

  constructor(
    private readonly prisma: PrismaClient,
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
  ) {}

  /** Reviews of the operator's tenants, newest first; `civicNumber` (admins only) finds a person's reviews. */
  async list(principal: Principal, filter: { status?: string; tenant?: string; civicNumber?: string }) {
    const scope = tenantScope(principal);
    if (filter.tenant && !canSeeTenant(principal, filter.tenant)) return [];
    const where: Prisma.ConsoleReviewWhereInput = {
      ...(filter.tenant ? { tenant: filter.tenant } : scope ? { tenant: { in: scope } } : {}),
      ...(filter.status ? { status: filter.status } : {}),
    };
    if (filter.civicNumber?.trim()) {
      if (!hasRole(principal.role, 'admin'))
        throw new ReviewError('FORBIDDEN', 'searching by civic number needs the admin role');
      const civic = normalizeCivicNumber(filter.civicNumber);
      if (!civic) throw new ReviewError('INVALID', 'civicNumber: not a civic number (YYYYMMDD-NNNN)');
      const registerPeople = await this.prisma.consoleRegisterPerson.findMany({
        where: { civicNumberMac: civicNumberMac(civic, this.config.CONSOLE_SESSION_SECRET) },
        select: { registerId: true },
      });
      const people = await this.prisma.consolePerson.findMany({
        where: { registerIds: { hasSome: registerPeople.map((r) => r.registerId) } },
        select: { personKey: true },
      });
      where.candidateIds = { hasSome: people.map((p) => p.personKey) };
    }
    const reviews = await this.prisma.consoleReview.findMany({
      where,
      orderBy: { requestedAt: 'desc' },
      take: 200,
    });
    return this.withCandidates(reviews);
  }

  async resolve(principal: Principal, reviewId: string, input: ResolveInput) {
    const result = await this.prisma.$transaction(async (tx) => {
      const review = await tx.consoleReview.findUnique({ where: { reviewId } });
      if (!review || !canSeeTenant(principal, review.tenant))
        throw new ReviewError('NOT_FOUND', 'no such review');
      if (review.status !== 'open')
        throw new ReviewError(
          'ALREADY_RESOLVED',
          `review is already resolved (${review.decision ?? 'decided'} by ${review.decidedBy ?? 'someone'})`,
        );
      // Free text leaves the console on the OPS stream: a civic number typed into it is masked first.
      const resolution = parseResolution(input, review.candidateIds);
      const comment = maskSensitive(resolution.comment);
      const decidedAt = new Date();
      const updated = await tx.consoleReview.updateMany({
        where: { reviewId, status: 'open' },
        data: {
          status: 'resolved',
          decision: resolution.decision,
          keepIdentityId: resolution.keepIdentityId ?? null,
          decidedBy: principal.username,
          decidedAt,
          comment,
        },
      });
      if (updated.count === 0) throw new ReviewError('ALREADY_RESOLVED', 'review is already resolved');
      const data: ReviewResolvedV1 = {
        reviewId,
        tenant: review.tenant,
        sourceApp: review.sourceApp as ReviewResolvedV1['sourceApp'],
        decision: resolution.decision,
        ...(resolution.keepIdentityId ? { keepIdentityId: resolution.keepIdentityId } : {}),
        decidedBy: principal.username,
        decidedAt: decidedAt.toISOString(),
        comment,
      };
      const event = buildEvent(EVENTS.opsReviewResolved, {
        tenant: review.tenant,
        source: 'ops-console',
        data,
      });
      // Checked here, not only by the relay: an invalid row would stop the outbox behind it.
      const reasons = validateEventAgainstContract(event);
      if (reasons.length > 0)
        throw new ReviewError(
          'INVALID',
          `the review cannot be resolved through the contract: ${reasons.join('; ')}`,
        );
      await enqueueEvent(tx, 'console_outbox', {
        event,
        subject: EVENTS.opsReviewResolved.subject(review.tenant),
      });
      await tx.consoleAuditEntry.create({
        data: {
          operator: principal.username,
          action: 'review.resolved',
          tenant: review.tenant,
          target: `review:${reviewId}`,
          detail: {
            decision: resolution.decision,
            ...(resolution.keepIdentityId ? { keepIdentityId: resolution.keepIdentityId } : {}),
            candidates: review.candidateIds,
            comment,
            eventId: event.id,
          },
          at: decidedAt,
        },
      });
      return tx.consoleReview.findUniqueOrThrow({ where: { reviewId } });
    });
    consoleMetrics.action('review-resolved');
    this.logger.log({
      operator: principal.username,
      tenant: result.tenant,
      reviewId,
      decision: result.decision,
      msg: 'review resolved',
    });
    return (await this.withCandidates([result]))[0]!;
  }

  /** Each candidate with what the console has seen of it: name (none when protected), account, ePPN, identity status. */
  private async withCandidates(reviews: ReviewRow[]) {
    const ids = [...new Set(reviews.flatMap((r) => r.candidateIds))];
    const [people, versions] = await Promise.all([
      this.prisma.consolePerson.findMany({ where: { personKey: { in: ids } } }),
      this.prisma.consoleTimelineEntry.findMany({
        where: { personKey: { in: ids }, stage: 'identity' },
        orderBy: [{ occurredAt: 'desc' }, { id: 'desc' }],
        // The newest identity version of each candidate, however long its history.
        distinct: ['personKey'],
      }),
    ]);
    const personById = new Map(people.map((p) => [p.personKey, p]));
    const latest = new Map<string, Record<string, unknown>>();
    for (const entry of versions)
      if (!latest.has(entry.personKey))
        latest.set(entry.personKey, (entry.summary ?? {}) as Record<string, unknown>);
    return reviews.map((r) => ({
      reviewId: r.reviewId,
      tenant: r.tenant,
      sourceApp: r.sourceApp,
      kind: r.kind,
      reason: r.reason,
      record: r.record,
      requestedAt: r.requestedAt.toISOString(),
      status: r.status,
      decision: r.decision,
      keepIdentityId: r.keepIdentityId,
      decidedBy: r.decidedBy,
      decidedAt: r.decidedAt?.toISOString() ?? null,
      comment: r.comment,
      candidates: toCandidates(r.candidates).map((c) => {
        const person = personById.get(c.identityId);
        const identity = latest.get(c.identityId);
        return {
          identityId: c.identityId,
          matchedOn: c.matchedOn,
          displayName: person?.displayName ?? null,
          accountName: person?.accountName ?? null,
          eppn: person?.eppn ?? null,
          registerIds: person?.registerIds ?? [],
          status: typeof identity?.status === 'string' ? identity.status : null,
          version: typeof identity?.version === 'number' ? identity.version : null,
        };
      }),
    }));
  }
}
