import {
  BadGatewayException,
  BadRequestException,
  Body,
  Controller,
  ForbiddenException,
  Get,
  Header,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
  Req,
  ServiceUnavailableException,
} from '@nestjs/common';
import { AuthedRequest, RequireRole } from '../auth/auth.guard';
import { ClaimAdminError } from './claim-admin.client';
import { ClaimCodesError, ClaimCodesService, IssueCodesInput } from './claim-codes.service';

/** Claim codes and claim status per class; issuing and unlocking need the operator role. */
@Controller('api/claims')
export class ClaimCodesController {
  constructor(private readonly claims: ClaimCodesService) {}

  @Get('settings')
  settings() {
    return this.claims.settings();
  }

  @Get('status')
  status(@Req() req: AuthedRequest, @Query('tenant') tenant = '') {
    return this.run(() => this.claims.status(req.principal, tenant));
  }

  /** The codes are in this response only: no cache may keep it. */
  @Post('codes')
  @HttpCode(201)
  @RequireRole('operator')
  @Header('Cache-Control', 'no-store')
  issue(@Req() req: AuthedRequest, @Body() body: IssueCodesInput) {
    return this.run(() => this.claims.issue(req.principal, body ?? {}));
  }

  @Post('lockouts/:tenant/:accountName/unlock')
  @HttpCode(204)
  @RequireRole('operator')
  async unlock(@Req() req: AuthedRequest, @Param('tenant') tenant: string, @Param('accountName') accountName: string) {
    await this.run(() => this.claims.unlock(req.principal, tenant, accountName));
  }

  @Get('audit')
  @RequireRole('operator')
  audit(@Req() req: AuthedRequest, @Query('tenant') tenant = '') {
    return this.run(() => this.claims.auditLog(req.principal, tenant));
  }

  private async run<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (error instanceof ClaimCodesError) {
        if (error.code === 'FORBIDDEN') throw new ForbiddenException(error.message);
        throw new BadRequestException(error.message);
      }
      if (error instanceof ClaimAdminError) {
        if (error.code === 'NOT_CONFIGURED') throw new ServiceUnavailableException(error.message);
        if (error.code === 'BAD_REQUEST') throw new BadRequestException(error.message);
        if (error.code === 'NOT_FOUND') throw new NotFoundException(error.message);
        throw new BadGatewayException(error.message);
      }
      throw error;
    }
  }
}
