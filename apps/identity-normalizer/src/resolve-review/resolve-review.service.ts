import { Logger } from '@nestjs/common';
import type { ReviewResolvedV1 } from '@skolkonto/contracts';
import type { NormalizeIdentityService } from '../normalize-identity/normalize-identity.service';
import { NormalizerError } from '../normalize-identity/normalizer.errors';
import type { NormalizerMetrics } from '../normalize-identity/normalizer-metrics';
import { NormalizerRepository } from '../normalize-identity/normalizer.repository';

/**
 * Applies an operator's decision on a review item the normalizer opened (ops.<tenant>.review.resolved).
 * The normalizer never merges on its own; here an operator has decided:
 *   link          — the candidates are one person: the kept identity continues, the others are
 *                   deactivated (cause merged, reason `merged`) and linked to it (successor).
 *   keep-separate — different persons: nothing changes; the item stays, so the same conflict is not raised again.
 * Applying the same decision twice changes nothing; a different decision on a decided item is refused.
 */
export interface ReviewDecisionResult {
  outcome: 'applied' | 'already-applied';
  merged: string[];
  published: number;
}

export class ResolveReviewService {
  private readonly logger = new Logger(ResolveReviewService.name);
  private readonly repository = new NormalizerRepository();

  constructor(
    private readonly normalizer: NormalizeIdentityService,
    private readonly metrics?: NormalizerMetrics,
  ) {}

  async resolve(decision: ReviewResolvedV1, eventId: string): Promise<ReviewDecisionResult> {
    const result = await this.normalizer.inTransaction(async (tx, rebuild) => {
      const review = await this.repository.findReview(tx, decision.reviewId);
      if (!review || review.tenant !== decision.tenant) throw new NormalizerError('REVIEW_NOT_FOUND', `no review ${decision.reviewId} in tenant ${decision.tenant}`);
      if (decision.decision === 'keep-separate' && decision.keepIdentityId) throw new NormalizerError('INVALID_DECISION', 'keepIdentityId is only for decision link');

      const candidates = await this.repository.identitiesById(tx, review.identityIds);
      let keep: string | null = null;
      if (decision.decision === 'link') {
        if (decision.keepIdentityId && !review.identityIds.includes(decision.keepIdentityId)) {
          throw new NormalizerError('INVALID_DECISION', `keepIdentityId ${decision.keepIdentityId} is not a candidate of review ${decision.reviewId}`);
        }
        // By default the identity created first (it has the oldest accounts) is kept.
        keep = decision.keepIdentityId ?? [...candidates].filter((c) => !c.mergedIntoId).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id))[0]?.id ?? null;
        if (!keep) throw new NormalizerError('INVALID_DECISION', `review ${decision.reviewId} has no identity left to keep`);
      }

      if (review.decision) {
        if (review.decision === decision.decision && (keep === null || review.keptIdentityId === keep)) return { outcome: 'already-applied' as const, merged: [], published: 0 };
        throw new NormalizerError('REVIEW_DECIDED', `review ${decision.reviewId} was already decided (${review.decision}) by another decision`);
      }

      await this.repository.resolveReview(tx, { reviewId: decision.reviewId, decision: decision.decision, keptIdentityId: keep, decidedBy: decision.decidedBy, decidedAt: decision.decidedAt, eventId });
      if (decision.decision !== 'link') return { outcome: 'applied' as const, merged: [], published: 0 };
      const merged = candidates.filter((c) => c.id !== keep && !c.mergedIntoId).map((c) => c.id);
      const persons = await this.repository.mergeIdentities(tx, merged, keep!);
      const published = await rebuild(persons, eventId, 'review-decision');
      return { outcome: 'applied' as const, merged, published };
    });
    if (result.outcome === 'applied') {
      this.metrics?.reviewsResolved.inc({ tenant: decision.tenant, decision: decision.decision });
      this.logger.log({ reviewId: decision.reviewId, tenant: decision.tenant, decision: decision.decision, merged: result.merged.length, msg: 'review decision applied' });
    }
    return result;
  }
}
