// Operators approve or reject held plans. The decision is recorded here and published as
// ops.<tenant>.plan.approved|rejected; the app that owns the plan applies it.
import { Injectable } from '@nestjs/common';
import { buildEvent, EVENTS, PlanApprovedV1, PlanRejectedV1 } from '@skolkonto/contracts';
import { validateEventAgainstContract } from '@skolkonto/messaging';
import { enqueueEvent, PrismaClient } from '@skolkonto/persistence';
import { consoleMetrics } from '../console-metrics';
import { canSeeTenant, Principal, tenantScope } from '../auth/roles';

export class PlanError extends Error {
  constructor(readonly code: 'NOT_FOUND' | 'ALREADY_DECIDED' | 'REASON_REQUIRED' | 'INVALID', message: string) {
    super(message);
  }
}

@Injectable()
export class ReviewPlansService {
  constructor(private readonly prisma: PrismaClient) {}

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
      const base = { planId, tenant: plan.tenant, sourceApp: plan.owner, decidedBy: principal.username, decidedAt: decidedAt.toISOString() };
      const definition = decision === 'approved' ? EVENTS.opsPlanApproved : EVENTS.opsPlanRejected;
      const data = decision === 'approved' ? ({ ...base, ...(note?.trim() ? { comment: note.trim() } : {}) } as PlanApprovedV1) : ({ ...base, reason: note!.trim() } as PlanRejectedV1);
      const event = buildEvent(definition as typeof EVENTS.opsPlanApproved, { tenant: plan.tenant, source: 'ops-console', data: data as PlanApprovedV1 });
      // Checked here, not only by the relay: an invalid row would stop the outbox behind it.
      const reasons = validateEventAgainstContract(event);
      if (reasons.length > 0) throw new PlanError('INVALID', `the plan cannot be decided through the contract: ${reasons.join('; ')}`);
      await enqueueEvent(tx, 'console_outbox', { event, subject: definition.subject(plan.tenant) });
      return tx.consolePlan.findUniqueOrThrow({ where: { planId } });
    });
    consoleMetrics.action(decision === 'approved' ? 'plan-approved' : 'plan-rejected');
    return result;
  }
}
