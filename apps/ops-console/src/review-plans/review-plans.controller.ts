import { BadRequestException, Body, ConflictException, Controller, Get, HttpCode, NotFoundException, Param, Post, Query, Req } from '@nestjs/common';
import { AuthedRequest, RequireRole } from '../auth/auth.guard';
import { PlanError, ReviewPlansService } from './review-plans.service';

@Controller('api/plans')
export class ReviewPlansController {
  constructor(private readonly plans: ReviewPlansService) {}

  @Get()
  list(@Req() req: AuthedRequest, @Query('status') status?: string) {
    return this.plans.list(req.principal, status || undefined);
  }

  @Post(':planId/approve')
  @HttpCode(200)
  @RequireRole('operator')
  approve(@Req() req: AuthedRequest, @Param('planId') planId: string, @Body() body: { comment?: unknown }) {
    return this.decide(req, planId, 'approved', typeof body?.comment === 'string' ? body.comment : undefined);
  }

  @Post(':planId/reject')
  @HttpCode(200)
  @RequireRole('operator')
  reject(@Req() req: AuthedRequest, @Param('planId') planId: string, @Body() body: { reason?: unknown }) {
    return this.decide(req, planId, 'rejected', typeof body?.reason === 'string' ? body.reason : undefined);
  }

  private async decide(req: AuthedRequest, planId: string, decision: 'approved' | 'rejected', note?: string) {
    try {
      return await this.plans.decide(req.principal, planId, decision, note);
    } catch (error) {
      if (error instanceof PlanError) {
        if (error.code === 'NOT_FOUND') throw new NotFoundException(error.message);
        if (error.code === 'ALREADY_DECIDED') throw new ConflictException(error.message);
        throw new BadRequestException(error.message);
      }
      throw error;
    }
  }
}
