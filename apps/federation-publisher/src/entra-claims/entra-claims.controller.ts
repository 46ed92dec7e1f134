import {
  BadRequestException,
  Body,
  Controller,
  HttpCode,
  HttpException,
  Inject,
  Post,
  Req,
  UnauthorizedException,
} from '@nestjs/common';
import { QueryAttributesService, QueryError, toEntraClaims } from '../query-attributes/query-attributes.service';
import { QUERY_ERRORS } from '../query-attributes/shibboleth-attributes.route';
import { EntraTokenError, EntraTokenVerifier } from './entra-token.verifier';

interface TokenIssuanceStartRequest {
  type?: string;
  data?: {
    authenticationContext?: {
      clientServicePrincipal?: { appId?: string };
      resourceServicePrincipal?: { appId?: string };
      user?: { userPrincipalName?: string; onPremisesSamAccountName?: string; id?: string };
    };
  };
}

const EVENT_TYPE = 'microsoft.graph.authenticationEvent.tokenIssuanceStart';

/**
 * Surface 2 for Entra ID: a custom claims provider. Entra calls it at tokenIssuanceStart with a bearer
 * token of its own; we answer provideClaimsForToken with the claims the application's release policy
 * allows (policy entityID = the resource application's appId, else the client's). Single values are
 * strings, multi-valued attributes string arrays. Entra waits at most 2 s; the read model answers from memory.
 */
@Controller('v1/entra')
export class EntraClaimsController {
  constructor(
    private readonly queries: QueryAttributesService,
    @Inject(EntraTokenVerifier) private readonly verifier: EntraTokenVerifier,
  ) {}

  @Post('token-issuance-start')
  @HttpCode(200)
  async tokenIssuanceStart(@Body() body: TokenIssuanceStartRequest, @Req() request: { headers: Record<string, string | undefined> }) {
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    if (!match) throw new UnauthorizedException('a bearer token is required');
    let provider;
    try {
      provider = await this.verifier.verify(match[1]!);
    } catch (error) {
      if (error instanceof EntraTokenError) throw new UnauthorizedException(error.message);
      throw error;
    }
    if (body?.type !== EVENT_TYPE) throw new BadRequestException(`type must be ${EVENT_TYPE}`);
    const context = body.data?.authenticationContext;
    const principal = context?.user?.onPremisesSamAccountName || context?.user?.userPrincipalName;
    if (!principal) throw new BadRequestException('authenticationContext.user has neither onPremisesSamAccountName nor userPrincipalName');
    const candidates = [context?.resourceServicePrincipal?.appId, context?.clientServicePrincipal?.appId].filter(
      (value): value is string => typeof value === 'string' && value !== '',
    );
    if (candidates.length === 0) throw new BadRequestException('authenticationContext names no service principal');

    let lastError: unknown;
    for (const sp of candidates) {
      try {
        const answer = this.queries.query({ principal, sp, tenants: [provider.tenant] });
        return {
          data: {
            '@odata.type': 'microsoft.graph.onTokenIssuanceStartResponseData',
            actions: [{ '@odata.type': 'microsoft.graph.tokenIssuanceStart.provideClaimsForToken', claims: toEntraClaims(answer.released) }],
          },
        };
      } catch (error) {
        lastError = error;
        if (!(error instanceof QueryError && error.code === 'UNKNOWN_SP')) break;
      }
    }
    throw toHttpError(lastError);
  }
}

function toHttpError(error: unknown): unknown {
  if (error instanceof QueryError) {
    const [status, text, reason] = QUERY_ERRORS[error.code];
    return new HttpException({ statusCode: status, error: text, reason, message: error.message }, status);
  }
  return error;
}
