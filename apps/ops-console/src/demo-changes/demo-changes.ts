// Demo only: the dashboard's "Make a school day's register changes" button. The console asks the
// register simulator (DEMO_REGISTER_URL, its admin token) to make an ordinary school day's changes
// — a new pupil, a class change, a leaver, a move — exactly as `npm run demo:change` does, so an
// audience sees them arrive on the dashboard and in AD. Unset (every production deployment): the
// API answers 404 and the button is hidden.
import {
  BadGatewayException,
  ConflictException,
  Controller,
  ForbiddenException,
  Get,
  HttpCode,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  Post,
  Req,
} from '@nestjs/common';
import { PrismaClient } from '@skolkonto/persistence';
import { AuthedRequest, RequireRole } from '../auth/auth.guard';
import { canSeeTenant, Principal } from '../auth/roles';
import { ConsoleConfig } from '../config';
import { CONSOLE_CONFIG } from '../shared/prisma.provider';

/** The tenants the simulator's school-day scenario changes. */
export const SCHOOL_DAY_TENANTS = ['skara', 'lidkoping', 'gotene'];

export interface SchoolDayChange {
  kind: 'enrolled' | 'class-changed' | 'left' | 'moved';
  tenant: string;
  /** The register's person id (not an identity id). */
  personId: string;
  name: string;
  description: string;
  toTenant?: string;
  toPersonId?: string;
}

const TIMEOUT_MS = 30_000;

@Injectable()
export class DemoChangesService {
  private readonly logger = new Logger(DemoChangesService.name);

  constructor(
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
    private readonly prisma: PrismaClient,
  ) {}

  get configured(): boolean {
    return this.config.DEMO_REGISTER_URL !== undefined && this.config.DEMO_REGISTER_TOKEN !== undefined;
  }

  async schoolDay(principal: Principal): Promise<{ changes: SchoolDayChange[] }> {
    if (!this.configured) throw new NotFoundException('demo register changes are not configured on this console');
    const hidden = SCHOOL_DAY_TENANTS.filter((t) => !canSeeTenant(principal, t));
    if (hidden.length) throw new ForbiddenException(`the school day changes tenants you may not act on: ${hidden.join(', ')}`);
    const base = this.config.DEMO_REGISTER_URL!.replace(/\/+$/, '');
    let res: Response;
    try {
      res = await fetch(`${base}/admin/scenarios/school-day`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${this.config.DEMO_REGISTER_TOKEN}`, Accept: 'application/json' },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw new BadGatewayException(`the register simulator did not answer at ${base} (${(error as Error).message})`);
    }
    const json = (await res.json().catch(() => undefined)) as { changes?: SchoolDayChange[]; message?: string } | undefined;
    if (res.status === 401) throw new BadGatewayException('the register simulator refused the console’s token (DEMO_REGISTER_TOKEN)');
    if (res.status === 409 || res.status === 404) throw new ConflictException(`the register simulator made no changes: ${json?.message ?? `HTTP ${res.status}`}`);
    if (!res.ok || !Array.isArray(json?.changes)) throw new BadGatewayException(`the register simulator failed: ${json?.message ?? `HTTP ${res.status}`}`);
    const changes = json.changes;
    // Register person ids and kinds only: the audit log holds no names.
    try {
      await this.prisma.consoleAuditEntry.createMany({
        data: changes.map((c) => ({
          operator: principal.username,
          action: 'demo.register-changed',
          tenant: c.tenant,
          target: `register-person:${c.personId}`,
          detail: { kind: c.kind, ...(c.toTenant ? { toTenant: c.toTenant } : {}) },
        })),
      });
    } catch (error) {
      this.logger.error({ action: 'demo.register-changed', msg: `audit entries not written: ${(error as Error).message}` });
    }
    this.logger.log({ operator: principal.username, changes: changes.length, msg: 'demo school-day register changes made' });
    return { changes };
  }
}

@Controller('api/demo')
export class DemoChangesController {
  constructor(private readonly demo: DemoChangesService) {}

  /** Any signed-in user: whether the dashboard shows the button (operators only act on it). */
  @Get('settings')
  settings() {
    return { configured: this.demo.configured };
  }

  @Post('school-day')
  @HttpCode(201)
  @RequireRole('operator')
  schoolDay(@Req() req: AuthedRequest) {
    return this.demo.schoolDay(req.principal);
  }
}
