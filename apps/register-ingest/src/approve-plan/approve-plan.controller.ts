// A full read that looked like a mass deletion was held as a plan; an operator lists held plans and
// approves one, which publishes its deletions exactly once.
import { ConflictException, Controller, Get, Headers, NotFoundException, Param, ParseUUIDPipe, Post, UseGuards } from '@nestjs/common';
import { AdminTokenGuard } from '../schedule-sync/admin-token.guard';
import { PlanNotHeldError, SyncStateRepository } from '../sync-state/sync-state.repository';

@Controller('tenants/:tenant/plans')
@UseGuards(AdminTokenGuard)
export class ApprovePlanController {
  constructor(private readonly repository: SyncStateRepository) {}

  @Get()
  async list(@Param('tenant') tenant: string) {
    const plans = await this.repository.listPlans(tenant);
    return plans.map(({ registerIds, ...plan }) => ({ ...plan, deletions: registerIds.length }));
  }

  @Post(':planId/approve')
  async approve(
    @Param('tenant') tenant: string,
    @Param('planId', new ParseUUIDPipe()) planId: string,
    @Headers('x-operator') operator?: string,
  ) {
    try {
      return await this.repository.approvePlan(tenant, planId, operator || 'operator');
    } catch (error) {
      if (error instanceof PlanNotHeldError) {
        throw error.code === 'NOT_FOUND' ? new NotFoundException(error.message) : new ConflictException(error.message);
      }
      throw error;
    }
  }
}
