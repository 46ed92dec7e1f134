// Keeps console_plans in step with ops.<tenant>.plan.held / approved / rejected as seen on the OPS
// stream (decisions by any console replica included).
import { Injectable } from '@nestjs/common';
import { Prisma, PrismaClient } from '@skolkonto/persistence';
import { maskSensitive } from '../shared/mask-sensitive';
import { ObservedEvent } from '../stream-watch/observed-event';
import { Projection } from '../stream-watch/stream-watcher.service';

@Injectable()
export class PlansProjection implements Projection {
  constructor(private readonly prisma: PrismaClient) {}

  async project(event: ObservedEvent): Promise<void> {
    if (event.domain !== 'ops' || !event.subject.includes('.plan.')) return;
    const data = (event.data ?? {}) as Record<string, unknown>;
    const planId = typeof data.planId === 'string' ? data.planId : undefined;
    if (!planId || !event.tenant) return;
    const verb = event.subject.split('.')[3];
    if (verb === 'held') {
      const plan = {
        tenant: event.tenant,
        owner: typeof data.sourceApp === 'string' ? data.sourceApp : 'unknown',
        reason: typeof data.reason === 'string' ? data.reason : '',
        operations: maskSensitive({ operations: data.operations ?? [], thresholds: data.thresholds ?? [] }) as Prisma.InputJsonValue,
        heldAt: new Date(typeof data.heldAt === 'string' ? data.heldAt : event.time),
        sourceEvent: event.eventId ?? `${event.stream}#${event.streamSequence}`,
      };
      // A re-delivered held event must not reopen a decided plan.
      await this.prisma.consolePlan.upsert({ where: { planId }, create: { planId, ...plan }, update: {} });
    } else if (verb === 'approved' || verb === 'rejected') {
      await this.prisma.consolePlan.updateMany({
        where: { planId, status: 'held' },
        data: {
          status: verb,
          decidedBy: typeof data.decidedBy === 'string' ? data.decidedBy : null,
          decidedAt: new Date(typeof data.decidedAt === 'string' ? data.decidedAt : event.time),
          decisionNote: typeof data.reason === 'string' ? data.reason : typeof data.comment === 'string' ? data.comment : null,
        },
      });
    }
  }
}
