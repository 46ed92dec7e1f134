import {
  type ArgumentsHost,
  Body,
  Catch,
  Controller,
  type ExceptionFilter,
  Get,
  HttpCode,
  HttpException,
  Param,
  Post,
  Query,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import type { Response } from 'express';
import { IssueCodesService } from '../issue-codes/issue-codes.service';
import { ManageLockoutsService } from '../manage-lockouts/manage-lockouts.service';
import { ClaimError } from '../shared/claim.errors';
import { BadRequestField, parseActor, parseIssueRequest, parseTenant } from './admin-request';
import { AdminTokenGuard } from './admin-token.guard';

/** Use-case errors → { message } with 400 (bad field), 401, 404 (unknown tenant/group/school/account). */
@Catch()
export class AdminErrorFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (error instanceof BadRequestField) return void res.status(400).json({ message: error.message });
    if (error instanceof ClaimError) return void res.status(404).json({ message: error.message });
    if (error instanceof HttpException) {
      const status = error.getStatus();
      // Body-parser errors (malformed JSON) arrive as 400s.
      return void res
        .status(status)
        .json({ message: status === 400 ? 'body: must be valid JSON' : error.message });
    }
    throw error;
  }
}

/**
 * The internal admin API the ops console calls (CLAIM_ADMIN_PORT, never exposed publicly). The console
 * decides who may issue or unlock; this only checks the service token.
 */
@Controller('internal/v1')
@UseGuards(AdminTokenGuard)
@UseFilters(AdminErrorFilter)
export class AdminApiController {
  constructor(
    private readonly issueCodes: IssueCodesService,
    private readonly lockouts: ManageLockoutsService,
  ) {}

  @Post('claim-codes')
  @HttpCode(201)
  issue(@Body() body: unknown) {
    return this.issueCodes.issue(parseIssueRequest(body));
  }

  @Get('claim-status')
  async status(@Query('tenant') tenant: unknown) {
    return { classes: await this.lockouts.classStatus(parseTenant(tenant)) };
  }

  @Get('lockouts')
  async list(@Query('tenant') tenant: unknown) {
    return { lockouts: await this.lockouts.lockouts(parseTenant(tenant)) };
  }

  @Post('lockouts/:tenant/:accountName/unlock')
  @HttpCode(204)
  async unlock(
    @Param('tenant') tenant: string,
    @Param('accountName') accountName: string,
    @Body() body: unknown,
  ) {
    const unlockedBy = parseActor((body as Record<string, unknown> | undefined)?.unlockedBy, 'unlockedBy');
    if (accountName.length === 0 || accountName.length > 256)
      throw new BadRequestField('accountName: must be an account name');
    await this.lockouts.unlock(parseTenant(tenant), accountName, unlockedBy);
  }
}
