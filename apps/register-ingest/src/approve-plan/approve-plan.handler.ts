// An operator approved a held plan in the ops console (ops.<tenant>.plan.approved). Plans made by
// register-ingest are executed here, exactly once; other apps' plans are not ours to run.
import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { CloudEvent, PlanApprovedV1 } from '@skolkonto/contracts';
import { PlanNotHeldError, SyncStateRepository } from '../sync-state/sync-state.repository';

@Controller()
export class ApprovePlanHandler {
  private readonly logger = new Logger(ApprovePlanHandler.name);

  constructor(private readonly repository: SyncStateRepository) {}

  @EventPattern('ops.*.plan.approved', { durable: 'register-ingest-approve-plan' })
  async planApproved(@Payload() event: CloudEvent<PlanApprovedV1>): Promise<void> {
    const { sourceApp, tenant, planId, decidedBy } = event.data;
    if (sourceApp !== 'register-ingest') return;
    try {
      const { deleted } = await this.repository.approvePlan(tenant, planId, decidedBy);
      this.logger.log(`plan ${planId} of ${tenant} approved by an operator: ${deleted} deletions published`);
    } catch (error) {
      // A redelivery, or a plan already approved over HTTP: the deletions went out once already.
      if (error instanceof PlanNotHeldError) return;
      throw error;
    }
  }
}
