// The SS 12000 v2.1 read API of each simulated register, under /tenants/<tenant>/v2.1: the four
// lists with pageToken paging and meta filters, single records, lookups and /deletedEntities.
// Faults switched on through the admin API are applied here, per request, before answering.
import { Body, Controller, Get, Headers, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { EntityPath } from '@skolkonto/ss12000';
import { RegisterStore } from '../register-store/register-store.service';
import { FaultRegistry, type Fault } from './fault-registry';
import {
  ApiError,
  deletedPage,
  encodeToken,
  listPage,
  MATCH_FILTERS,
  parseDeletedRequest,
  parseListRequest,
  type ListRequest,
  type QueryInput,
} from './list-query';
import { TenantAuth } from './tenant-auth';

const LIST_PATHS: EntityPath[] = ['persons', 'organisations', 'groups', 'duties'];

export function sendError(res: Response, error: unknown): void {
  if (error instanceof ApiError) {
    res.status(error.status).json({ code: error.code, message: error.message });
    return;
  }
  throw error;
}

/** Answers 401/404 for a request that is not this tenant's; returns true when it may proceed. */
export function authorise(
  auth: TenantAuth,
  tenant: string,
  headers: Record<string, string | string[] | undefined>,
  res: Response,
): boolean {
  if (!auth.knows(tenant)) {
    res.status(404).json({ code: 'UNKNOWN_TENANT', message: 'no register at this path' });
    return false;
  }
  if (!auth.allows(tenant, headers)) {
    res.setHeader('www-authenticate', 'Bearer');
    res.status(401).json({ code: 'UNAUTHORIZED', message: 'missing or wrong credentials' });
    return false;
  }
  return true;
}

function entityOf(req: Request): EntityPath {
  const segment = req.path.split('/v2.1/')[1]?.split('/')[0];
  return segment as EntityPath;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

@Controller('tenants/:tenant/v2.1')
export class RegisterApiController {
  constructor(
    @Inject(RegisterStore) private readonly store: RegisterStore,
    @Inject(TenantAuth) private readonly auth: TenantAuth,
    @Inject(FaultRegistry) private readonly faults: FaultRegistry,
  ) {}

  @Get('deletedEntities')
  async deletedEntities(
    @Param('tenant') tenant: string,
    @Query() query: QueryInput,
    @Headers() headers: Record<string, string | string[] | undefined>,
    @Res() res: Response,
  ): Promise<void> {
    if (!authorise(this.auth, tenant, headers, res)) return;
    try {
      const request = parseDeletedRequest(query);
      const faults = this.faults.take(tenant, 'deletedEntities', request.page);
      if (await this.answerWithFault(faults, res)) return;
      const register = this.store.register(tenant)!;
      const page = deletedPage(register.deletions, request, {
        inclusiveAfter: faults.some((f) => f.kind === 'inclusiveAfter'),
      });
      res.json({
        data: page.data,
        pageToken: this.tokenWithFaults(faults, request, page.nextToken, page.lastKey),
      });
    } catch (error) {
      sendError(res, error);
    }
  }

  @Get(LIST_PATHS)
  async list(
    @Param('tenant') tenant: string,
    @Query() query: QueryInput,
    @Headers() headers: Record<string, string | string[] | undefined>,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    if (!authorise(this.auth, tenant, headers, res)) return;
    const entity = entityOf(req);
    try {
      const request = parseListRequest(entity, query, MATCH_FILTERS[entity]);
      const faults = this.faults.take(tenant, entity, request.page);
      if (await this.answerWithFault(faults, res)) return;
      const register = this.store.register(tenant)!;
      const page = listPage(entity, register.sorted(entity), request, {
        inclusiveAfter: faults.some((f) => f.kind === 'inclusiveAfter'),
      });
      res.json({
        data: page.data,
        pageToken: this.tokenWithFaults(faults, request, page.nextToken, page.lastKey),
      });
    } catch (error) {
      sendError(res, error);
    }
  }

  @Post(LIST_PATHS.map((p) => `${p}/lookup`))
  lookup(
    @Param('tenant') tenant: string,
    @Body() body: { ids?: unknown; civicNos?: unknown },
    @Headers() headers: Record<string, string | string[] | undefined>,
    @Req() req: Request,
    @Res() res: Response,
  ): void {
    if (!authorise(this.auth, tenant, headers, res)) return;
    const entity = entityOf(req);
    const strings = (v: unknown) =>
      Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
    const ids = strings(body?.ids);
    const civicNos = entity === 'persons' ? new Set(strings(body?.civicNos)) : new Set<string>();
    if (ids.length + civicNos.size === 0) {
      res
        .status(400)
        .json({
          code: 'INVALID_PARAMETER',
          message: 'ids (or, for persons, civicNos) must be a non-empty array',
        });
      return;
    }
    const register = this.store.register(tenant)!;
    const found = new Map<string, unknown>();
    for (const id of ids) {
      const doc = register.docs[entity].get(id);
      if (doc) found.set(id, doc);
    }
    if (civicNos.size > 0) {
      for (const doc of register.docs.persons.values()) {
        const value = (doc.civicNo as { value?: string } | undefined)?.value;
        if (value && civicNos.has(value)) found.set(doc.id, doc);
      }
    }
    res.json({ data: [...found.values()] });
  }

  @Get(LIST_PATHS.map((p) => `${p}/:id`))
  one(
    @Param('tenant') tenant: string,
    @Param('id') id: string,
    @Headers() headers: Record<string, string | string[] | undefined>,
    @Req() req: Request,
    @Res() res: Response,
  ): void {
    if (!authorise(this.auth, tenant, headers, res)) return;
    const doc = this.store.register(tenant)!.docs[entityOf(req)].get(id);
    if (!doc) {
      res.status(404).json({ code: 'NOT_FOUND', message: 'no such record' });
      return;
    }
    res.json(doc);
  }

  /** Applies delay, status, rate-limit and broken-body faults; true when the answer was sent. */
  private async answerWithFault(faults: Fault[], res: Response): Promise<boolean> {
    for (const f of faults) if (f.kind === 'delay') await sleep(f.delayMs ?? 1000);
    const status = faults.find((f) => f.kind === 'status');
    if (status) {
      res.status(status.status ?? 500).json({ code: 'SIMULATED_FAULT', message: 'simulated failure' });
      return true;
    }
    const limited = faults.find((f) => f.kind === 'rateLimit');
    if (limited) {
      res.setHeader('retry-after', String(limited.retryAfterSeconds ?? 1));
      res.status(429).json({ code: 'TOO_MANY_REQUESTS', message: 'simulated rate limit' });
      return true;
    }
    if (faults.some((f) => f.kind === 'invalidJson')) {
      res.status(200).type('application/json').send('{"data": [ {"id": ');
      return true;
    }
    return false;
  }

  /** endlessTokens: a fresh token even after the last page; repeatToken: echo the token received. */
  private tokenWithFaults(
    faults: Fault[],
    request: ListRequest,
    next: string | null,
    lastKey?: string,
  ): string | null {
    if (faults.some((f) => f.kind === 'repeatToken') && request.rawToken) return request.rawToken;
    if (next === null && faults.some((f) => f.kind === 'endlessTokens')) {
      return encodeToken({ v: 1, e: request.entity, f: request.filters, a: lastKey, p: request.page + 1 });
    }
    return next;
  }
}

@Controller('tenants/:tenant/oauth2')
export class TokenController {
  constructor(@Inject(TenantAuth) private readonly auth: TenantAuth) {}

  /** OAuth2 client-credentials token endpoint (RFC 6749 §4.4) for tenants configured with oauth2. */
  @Post('token')
  token(
    @Param('tenant') tenant: string,
    @Body() body: Record<string, string | undefined>,
    @Headers('authorization') authorization: string | undefined,
    @Res() res: Response,
  ): void {
    let clientId = body?.client_id;
    let clientSecret = body?.client_secret;
    if (authorization && /^Basic\s+/i.test(authorization)) {
      const decoded = Buffer.from(authorization.replace(/^Basic\s+/i, ''), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      clientId = decodeURIComponent(decoded.slice(0, colon));
      clientSecret = decodeURIComponent(decoded.slice(colon + 1));
    }
    if (body?.grant_type !== 'client_credentials') {
      res.status(400).json({ error: 'unsupported_grant_type' });
      return;
    }
    const token = this.auth.issueToken(tenant, clientId, clientSecret, 3600);
    if (!token) {
      res.status(401).json({ error: 'invalid_client' });
      return;
    }
    res.setHeader('cache-control', 'no-store');
    res.json(token);
  }
}
