// Keeps console_reviews in step with ops.<tenant>.review.requested / resolved as seen on the OPS stream
// (decisions by any console replica included, and decisions published by other means).
import { Injectable } from '@nestjs/common';
import { Prisma, PrismaClient } from '@skolkonto/persistence';
import { maskSensitive } from '../shared/mask-sensitive';
import { ObservedEvent } from '../stream-watch/observed-event';
import { Projection } from '../stream-watch/stream-watcher.service';

type Data = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** Pure: the candidates as requested, keeping only ids and the match reasons (no values). */
export function toCandidates(value: unknown): Array<{ identityId: string; matchedOn: string[] }> {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item) => {
    const candidate = (item ?? {}) as Data;
    const identityId = str(candidate.identityId);
    if (!identityId) return [];
    const matchedOn = Array.isArray(candidate.matchedOn)
      ? candidate.matchedOn.filter((m): m is string => typeof m === 'string')
      : [];
    return [{ identityId, matchedOn }];
  });
}

@Injectable()
export class ReviewsProjection implements Projection {
  constructor(private readonly prisma: PrismaClient) {}

  async project(event: ObservedEvent): Promise<void> {
    if (event.domain !== 'ops' || event.stream === 'DEADLETTER' || !event.tenant) return;
    const [, , entity, verb] = event.subject.split('.');
    if (entity !== 'review') return;
    const data = (event.data ?? {}) as Data;
    const reviewId = str(data.reviewId);
    if (!reviewId) return;
    if (verb === 'requested') {
      const candidates = toCandidates(data.candidates);
      const review = {
        tenant: event.tenant,
        sourceApp: str(data.sourceApp) ?? 'unknown',
        kind: str(data.kind) ?? 'other',
        reason: maskSensitive(str(data.reason) ?? ''),
        record: maskSensitive((data.record ?? {}) as Data) as Prisma.InputJsonValue,
        candidates: maskSensitive(candidates) as Prisma.InputJsonValue,
        candidateIds: candidates.map((c) => c.identityId),
        requestedAt: new Date(str(data.requestedAt) ?? event.time),
        sourceEvent: event.eventId ?? `${event.stream}#${event.streamSequence}`,
      };
      // A re-read requested event must not reopen a resolved review.
      await this.prisma.consoleReview.upsert({
        where: { reviewId },
        create: { reviewId, ...review },
        update: {},
      });
    } else if (verb === 'resolved') {
      await this.prisma.consoleReview.updateMany({
        where: { reviewId, tenant: event.tenant, status: 'open' },
        data: {
          status: 'resolved',
          decision: str(data.decision) ?? null,
          keepIdentityId: str(data.keepIdentityId) ?? null,
          decidedBy: str(data.decidedBy) ?? null,
          decidedAt: new Date(str(data.decidedAt) ?? event.time),
          comment: str(data.comment) ? maskSensitive(str(data.comment)!) : null,
        },
      });
    }
  }
}
