import {
  BadRequestException,
  Controller,
  ForbiddenException,
  Get,
  Header,
  NotFoundException,
  Query,
  Req,
  UseGuards,
} from '@nestjs/common';
import { IdpClientGuard, type AuthenticatedRequest } from './idp-client.guard';
import { QueryAttributesService, QueryError, toShibbolethAttributes } from './query-attributes.service';

/**
 * Surface 2 for Shibboleth-style IdPs (an HTTP DataConnector): the attributes one SP may receive for
 * one principal, after that SP's release policy.
 */
@Controller('v1/idp')
@UseGuards(IdpClientGuard)
export class AttributesController {
  constructor(private readonly queries: QueryAttributesService) {}

  @Get('attributes')
  @Header('Cache-Control', 'no-store')
  async attributes(@Query('principal') principal: unknown, @Query('sp') sp: unknown, @Req() request: AuthenticatedRequest) {
    if (typeof principal !== 'string' || principal.trim() === '' || principal.length > 256) {
      throw new BadRequestException('query parameter principal is required (sAMAccountName, UPN, ePPN or objectGUID)');
    }
    if (typeof sp !== 'string' || sp.trim() === '' || sp.length > 1024) {
      throw new BadRequestException('query parameter sp is required (the service provider entityID)');
    }
    try {
      const answer = await this.queries.query({ principal, sp, tenants: request.idpClient!.tenants });
      return { principal, attributes: toShibbolethAttributes(answer.released) };
    } catch (error) {
      throw toHttpError(error);
    }
  }
}

export function toHttpError(error: unknown): unknown {
  if (error instanceof QueryError) {
    return error.code === 'UNKNOWN_SP'
      ? new ForbiddenException({ statusCode: 403, error: 'Forbidden', reason: 'unknown-service-provider', message: error.message })
      : new NotFoundException({ statusCode: 404, error: 'Not Found', reason: 'unknown-principal', message: error.message });
  }
  return error;
}
