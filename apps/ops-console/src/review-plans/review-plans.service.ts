// Operators approve or reject held plans. The decision is recorded here and published as
// ops.<tenant>.plan.approved|rejected; the app that owns the plan applies it.
import { Injectable } from '@nestjs/common';
import { PrismaClient } from '@skolkonto/persistence';
import { canSeeTenant, Principal, tenantScope } from '../auth/roles';
import { addToOutbox, ConsoleOutboxRelay } from '../outbox/console-outbox';

export class PlanError extends Error {
  constructor(readonly code: 'NOT_FOUND' | 'ALREADY_DECIDED' | 'REASON_REQUIRED', message: string) {
    super(message);
  }
}

@Injectable()
export class ReviewPlansService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly outbox: ConsoleOutboxRelay,
  ) {}

  list(principal: Principal, status?: string) {
    const scope = tenantScope(principal);
    return this.prisma.consolePlan.findMany({
      where: { ...(scope ? { tenant: { in: scope } } : {}), ...(status ? { status } : {}) },
      orderBy: { heldAt: 'desc' },
      take: 200,
    });
  }

  async decide(principal: Principal, planId: string, decision: 'approved' | 'rejected', note?: string) {
    if (decision === 'rejected' && !note?.trim()) throw new PlanError('REASON_REQUIRED', 'a rejection needs a reason');
    const result = await this.prisma.$transaction(async (tx) => {
      const plan = await tx.consolePlan.findUnique({ where: { planId } });
      if (!plan || !canSeeTenant(principal, plan.tenant)) throw new PlanError('NOT_FOUND', 'no such plan');
      const decidedAt = new Date();
      const updated = await tx.consolePlan.updateMany({
        where: { planId, status: 'held' },
        data: { status: decision, decidedBy: principal.username, decidedAt, decisionNote: note?.trim() || null },
      });
      if (updated.count === 0) throw new PlanError('ALREADY_DECIDED', `plan is already ${plan.status}`);
      const data: Record<string, unknown> = {
        planId,
        tenant: plan.tenant,
        sourceApp: plan.owner,
        decidedBy: principal.username,
        decidedAt: decidedAt.toISOString(),
      };
      if (decision === 'rejected') data.reason = note!.trim();
      else if (note?.trim()) data.comment = note.trim();
      await addToOutbox(tx, {
        subject: `ops.${plan.tenant}.plan.${decision}`,
        type: `se.skolkonto.ops.plan.${decision}.v1`,
        tenant: plan.tenant,
        entity: planId,
        data,
      });
      return tx.consolePlan.findUniqueOrThrow({ where: { planId } });
    });
    this.outbox.kick();
    return result;
  }
}
