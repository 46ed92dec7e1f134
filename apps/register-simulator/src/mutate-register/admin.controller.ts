// The simulator's operator API (/admin, bearer SIM_ADMIN_TOKEN): mutate registers as real life
// does, reseed, switch faults on and off, and see webhook deliveries. The CLI
// (`npm run register -- <command>`) is a thin client of this API.
import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  Inject,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import type { Response } from 'express';
import { RegisterStore } from '../register-store/register-store.service';
import { FAULT_KINDS, FaultRegistry, type FaultSpec } from '../serve-register/fault-registry';
import { ApiError } from '../serve-register/list-query';
import { sameSecret, TenantAuth } from '../serve-register/tenant-auth';
import { SubscriptionsService } from '../notify-subscribers/subscriptions.service';
import { MutateRegisterService } from './mutate-register.service';
import { SchoolDayScenario } from '../run-scenario/school-day.scenario';

export const ADMIN_TOKEN = Symbol('ADMIN_TOKEN');

type Body_ = Record<string, unknown>;

@Controller('admin')
export class AdminController {
  constructor(
    @Inject(ADMIN_TOKEN) private readonly adminToken: string,
    @Inject(MutateRegisterService) private readonly mutations: MutateRegisterService,
    @Inject(RegisterStore) private readonly store: RegisterStore,
    @Inject(FaultRegistry) private readonly faults: FaultRegistry,
    @Inject(SubscriptionsService) private readonly subscriptions: SubscriptionsService,
    @Inject(TenantAuth) private readonly auth: TenantAuth,
  ) {}

  /** Runs an admin action: 401 without the admin token, ApiError → its status, result as JSON. */
  private async run(
    authorization: string | undefined,
    res: Response,
    action: () => unknown,
    status = 200,
  ): Promise<void> {
    const token =
      authorization && /^Bearer\s+/i.test(authorization)
        ? authorization.replace(/^Bearer\s+/i, '')
        : undefined;
    if (!sameSecret(token, this.adminToken)) {
      res.status(401).json({ code: 'UNAUTHORIZED', message: 'admin token missing or wrong' });
      return;
    }
    try {
      res.status(status).json(await action());
    } catch (error) {
      if (error instanceof ApiError)
        res.status(error.status).json({ code: error.code, message: error.message });
      else throw error;
    }
  }

  @Get('tenants')
  tenants(@Headers('authorization') a: string | undefined, @Res() res: Response) {
    return this.run(a, res, () =>
      this.store.tenantIds().map((id) => {
        const r = this.store.register(id)!;
        return {
          tenant: id,
          name: r.tenant.name,
          municipalityCode: r.tenant.municipalityCode,
          counts: r.counts(),
          deletions: r.deletions.length,
          seed: r.state?.seed,
          persons: r.state?.persons,
          clock: new Date(r.clock).toISOString(),
        };
      }),
    );
  }

  @Post('tenants/:tenant/reseed')
  reseed(
    @Headers('authorization') a: string | undefined,
    @Param('tenant') tenant: string,
    @Body() body: Body_,
    @Res() res: Response,
  ) {
    return this.run(a, res, async () => {
      if (!this.store.register(tenant))
        throw new ApiError(404, 'UNKNOWN_TENANT', `no register for tenant ${tenant}`);
      const num = (v: unknown, name: string, min: number, max: number) => {
        if (v === undefined) return undefined;
        const n = Number(v);
        if (!Number.isInteger(n) || n < min || n > max)
          throw new ApiError(400, 'INVALID_PARAMETER', `${name} must be an integer ${min}..${max}`);
        return n;
      };
      const r = await this.store.reseed(tenant, {
        seed: num(body?.seed, 'seed', 0, 2 ** 31 - 1),
        persons: num(body?.persons, 'persons', 1, 500_000),
        schoolYearStart: num(body?.schoolYearStart, 'schoolYearStart', 2000, 2100),
      });
      return { tenant, counts: r.counts(), seed: r.state?.seed, persons: r.state?.persons };
    });
  }

  @Get('tenants/:tenant/persons')
  search(
    @Headers('authorization') a: string | undefined,
    @Param('tenant') tenant: string,
    @Query() q: Record<string, string>,
    @Res() res: Response,
  ) {
    return this.run(a, res, () =>
      this.mutations.search(tenant, {
        name: q.name,
        kind: q.kind,
        limit: q.limit ? Number(q.limit) : undefined,
      }),
    );
  }

  @Get('tenants/:tenant/groups')
  groups(
    @Headers('authorization') a: string | undefined,
    @Param('tenant') tenant: string,
    @Query() q: Record<string, string>,
    @Res() res: Response,
  ) {
    return this.run(a, res, () => {
      const r = this.store.register(tenant);
      if (!r) throw new ApiError(404, 'UNKNOWN_TENANT', `no register for tenant ${tenant}`);
      return r
        .sorted('groups')
        .filter(
          (g) =>
            (!q.groupType || g.groupType === q.groupType) &&
            (!q.name || String(g.displayName).includes(q.name)),
        )
        .slice(0, Number(q.limit ?? 50))
        .map((g) => ({
          id: g.id,
          displayName: g.displayName,
          groupType: g.groupType,
          organisation: g.organisation,
          members: (g.groupMemberships as unknown[] | undefined)?.length ?? 0,
        }));
    });
  }

  @Post('tenants/:tenant/enrol')
  enrol(
    @Headers('authorization') a: string | undefined,
    @Param('tenant') tenant: string,
    @Body() body: Body_,
    @Res() res: Response,
  ) {
    return this.run(a, res, () => this.mutations.enrol(tenant, body ?? {}), 201);
  }

  @Post('tenants/:tenant/persons/:id/change-class')
  changeClass(
    @Headers('authorization') a: string | undefined,
    @Param('tenant') t: string,
    @Param('id') id: string,
    @Body() body: Body_,
    @Res() res: Response,
  ) {
    return this.run(a, res, () =>
      this.mutations.changeClass(t, id, (body ?? {}) as { classId?: string; date?: string }),
    );
  }

  @Post('tenants/:tenant/persons/:id/rename')
  rename(
    @Headers('authorization') a: string | undefined,
    @Param('tenant') t: string,
    @Param('id') id: string,
    @Body() body: Body_,
    @Res() res: Response,
  ) {
    return this.run(a, res, () =>
      this.mutations.rename(
        t,
        id,
        (body ?? {}) as { givenName?: string; familyName?: string; middleName?: string | null },
      ),
    );
  }

  @Post('tenants/:tenant/persons/:id/leave')
  leave(
    @Headers('authorization') a: string | undefined,
    @Param('tenant') t: string,
    @Param('id') id: string,
    @Body() body: Body_,
    @Res() res: Response,
  ) {
    return this.run(a, res, () => this.mutations.leave(t, id, (body ?? {}) as { endDate?: string }));
  }

  @Post('tenants/:tenant/persons/:id/move')
  move(
    @Headers('authorization') a: string | undefined,
    @Param('tenant') t: string,
    @Param('id') id: string,
    @Body() body: Body_,
    @Res() res: Response,
  ) {
    return this.run(a, res, () =>
      this.mutations.move(
        t,
        id,
        (body ?? {}) as { toTenant?: string; schoolUnit?: string; schoolYear?: number; date?: string },
      ),
    );
  }

  @Post('tenants/:tenant/persons/:id/protect')
  protect(
    @Headers('authorization') a: string | undefined,
    @Param('tenant') t: string,
    @Param('id') id: string,
    @Body() body: Body_,
    @Res() res: Response,
  ) {
    return this.run(a, res, () =>
      this.mutations.protect(t, id, (body ?? {}) as { securityMarking?: string }),
    );
  }

  @Post('tenants/:tenant/persons/:id/status')
  status(
    @Headers('authorization') a: string | undefined,
    @Param('tenant') t: string,
    @Param('id') id: string,
    @Body() body: Body_,
    @Res() res: Response,
  ) {
    return this.run(a, res, () =>
      this.mutations.setStatus(t, id, (body ?? {}) as { personStatus?: string; date?: string }),
    );
  }

  @Post('tenants/:tenant/groups/:id/members')
  addMember(
    @Headers('authorization') a: string | undefined,
    @Param('tenant') t: string,
    @Param('id') id: string,
    @Body() body: Body_,
    @Res() res: Response,
  ) {
    return this.run(a, res, () =>
      this.mutations.addMember(t, id, (body ?? {}) as { personId?: string; startDate?: string }),
    );
  }

  @Delete('tenants/:tenant/groups/:id/members/:personId')
  removeMember(
    @Headers('authorization') a: string | undefined,
    @Param('tenant') t: string,
    @Param('id') id: string,
    @Param('personId') personId: string,
    @Res() res: Response,
  ) {
    return this.run(a, res, () => this.mutations.removeMember(t, id, personId));
  }

  @Put('tenants/:tenant/raw/:entity/:id')
  putRaw(
    @Headers('authorization') a: string | undefined,
    @Param('tenant') t: string,
    @Param('entity') entity: string,
    @Param('id') id: string,
    @Query('rawMeta') rawMeta: string | undefined,
    @Body() body: unknown,
    @Res() res: Response,
  ) {
    return this.run(a, res, () => this.mutations.putRaw(t, entity, id, body, rawMeta === 'true'));
  }

  @Patch('tenants/:tenant/raw/:entity/:id')
  patchRaw(
    @Headers('authorization') a: string | undefined,
    @Param('tenant') t: string,
    @Param('entity') entity: string,
    @Param('id') id: string,
    @Body() body: unknown,
    @Res() res: Response,
  ) {
    return this.run(a, res, () => this.mutations.patchRaw(t, entity, id, body));
  }

  @Delete('tenants/:tenant/:entity/:id')
  remove(
    @Headers('authorization') a: string | undefined,
    @Param('tenant') t: string,
    @Param('entity') entity: string,
    @Param('id') id: string,
    @Res() res: Response,
  ) {
    return this.run(a, res, () => this.mutations.remove(t, entity, id));
  }

  /** The changes of an ordinary school day in the demo tenants; returns what it changed. */
  @Post('scenarios/school-day')
  schoolDay(@Headers('authorization') a: string | undefined, @Res() res: Response) {
    return this.run(
      a,
      res,
      async () => ({ changes: await new SchoolDayScenario(this.mutations, this.store).run() }),
      201,
    );
  }

  @Get('faults')
  listFaults(@Headers('authorization') a: string | undefined, @Res() res: Response) {
    return this.run(a, res, () => this.faults.list());
  }

  @Post('faults')
  addFault(@Headers('authorization') a: string | undefined, @Body() body: Body_, @Res() res: Response) {
    return this.run(
      a,
      res,
      () => {
        const spec = (body ?? {}) as unknown as FaultSpec;
        if (!FAULT_KINDS.includes(spec.kind))
          throw new ApiError(400, 'INVALID_PARAMETER', `kind must be one of ${FAULT_KINDS.join(', ')}`);
        for (const key of ['page', 'status', 'retryAfterSeconds', 'delayMs', 'times'] as const) {
          if (spec[key] !== undefined && (!Number.isInteger(spec[key]) || (spec[key] as number) < 0)) {
            throw new ApiError(400, 'INVALID_PARAMETER', `${key} must be a non-negative integer`);
          }
        }
        return this.faults.add(spec);
      },
      201,
    );
  }

  @Delete('faults')
  clearFaults(@Headers('authorization') a: string | undefined, @Res() res: Response) {
    return this.run(a, res, () => ({ cleared: this.faults.clear() }));
  }

  @Delete('faults/:id')
  removeFault(
    @Headers('authorization') a: string | undefined,
    @Param('id') id: string,
    @Res() res: Response,
  ) {
    return this.run(a, res, () => {
      if (!this.faults.remove(id)) throw new ApiError(404, 'NOT_FOUND', 'no such fault');
      return { removed: id };
    });
  }

  @Post('oauth2/revoke')
  revoke(@Headers('authorization') a: string | undefined, @Res() res: Response) {
    return this.run(a, res, () => {
      this.auth.revokeTokens();
      return { revoked: true };
    });
  }

  @Get('webhook-deliveries')
  deliveries(
    @Headers('authorization') a: string | undefined,
    @Query('tenant') tenant: string | undefined,
    @Res() res: Response,
  ) {
    return this.run(a, res, () => this.subscriptions.recentDeliveries(tenant));
  }
}
