// Operators list held plans and approve (or reject) one; approval applies exactly the stored
// operations, once. Bearer token from PROVISIONER_ADMIN_TOKEN.
import { Body, ConflictException, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Query, ServiceUnavailableException, UseGuards } from '@nestjs/common';
import { DirectoryError } from '@skolkonto/directory';
import { AdminTokenGuard } from './admin-token.guard';
import { ApprovePlanService, PlanNotPendingError } from './approve-plan.service';

@Controller('plans')
@UseGuards(AdminTokenGuard)
export class ApprovePlanController {
  constructor(private readonly service: ApprovePlanService) {}

  @Get()
  async list(@Query('tenant') tenant?: string) {
    return this.service.listHeld(tenant);
  }

  @Post(':planId/approve')
  @HttpCode(200)
  async approve(@Param('planId', new ParseUUIDPipe()) planId: string, @Headers('x-operator') operator?: string) {
    try {
      return await this.service.approve(planId, operator || 'operator');
    } catch (error) {
      if (error instanceof PlanNotPendingError) throw new ConflictException(error.message);
      if (error instanceof DirectoryError && error.retryable) throw new ServiceUnavailableException('directory unavailable; approve again later');
      throw error;
    }
  }

  @Post(':planId/reject')
  @HttpCode(200)
  async reject(@Param('planId', new ParseUUIDPipe()) planId: string, @Headers('x-operator') operator?: string, @Body() _body?: unknown) {
    try {
      await this.service.reject(planId, operator || 'operator');
      return { rejected: planId };
    } catch (error) {
      if (error instanceof PlanNotPendingError) throw new ConflictException(error.message);
      throw error;
    }
  }
}
