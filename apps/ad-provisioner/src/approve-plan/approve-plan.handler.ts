// ops.<tenant>.plan.approved from the ops console: plans made by ad-provisioner are applied here,
// exactly once (a plan already approved over HTTP is not applied again).
import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { CloudEvent, PlanApprovedV1 } from '@skolkonto/contracts';
import { ApprovePlanService, PlanNotPendingError } from './approve-plan.service';

@Controller()
export class ApprovePlanHandler {
  constructor(private readonly service: ApprovePlanService) {}

  @EventPattern('ops.*.plan.approved', { durable: 'ad-provisioner-approve-plan' })
  async planApproved(@Payload() event: CloudEvent<PlanApprovedV1>): Promise<void> {
    if (event.data.sourceApp !== 'ad-provisioner') return;
    try {
      await this.service.approve(event.data.planId, event.data.decidedBy);
    } catch (error) {
      if (error instanceof PlanNotPendingError) return;
      throw error;
    }
  }
}
