// Finds a person by name, account name or ePPN (civic number: admins only) and returns their
// history across the flow: register change → identity version → AD operation → federation release.
import { Inject, Injectable } from '@nestjs/common';
import { Prisma, PrismaClient } from '@skolkonto/persistence';
import { canSeeTenant, hasRole, Principal, tenantScope } from '../auth/roles';
import { ConsoleConfig } from '../config';
import { CONSOLE_CONFIG } from '../shared/prisma.provider';
import { civicNumberMac, normalizeCivicNumber } from './civic-number-mac';

export class TimelineError extends Error {
  constructor(readonly code: 'NOT_FOUND' | 'FORBIDDEN', message: string) {
    super(message);
  }
}

@Injectable()
export class PersonTimelineService {
  constructor(
    private readonly prisma: PrismaClient,
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
  ) {}

  async search(principal: Principal, query: string) {
    const q = query.trim();
    if (q.length < 2) return [];
    const scope = tenantScope(principal);
    const tenantFilter: Prisma.ConsolePersonWhereInput = scope ? { tenant: { in: scope } } : {};
    const civic = /^[\d+-]{10,13}$/.test(q) ? normalizeCivicNumber(q) : undefined;
    if (civic) {
      if (!hasRole(principal.role, 'admin')) throw new TimelineError('FORBIDDEN', 'searching by civic number needs the admin role');
      const registerPeople = await this.prisma.consoleRegisterPerson.findMany({ where: { civicNumberMac: civicNumberMac(civic, this.config.CONSOLE_SESSION_SECRET) } });
      const ids = registerPeople.map((r) => r.registerId);
      const people = await this.prisma.consolePerson.findMany({ where: { ...tenantFilter, registerIds: { hasSome: ids } }, take: 20 });
      return people.map(toSummary);
    }
    const people = await this.prisma.consolePerson.findMany({
      where: {
        ...tenantFilter,
        OR: [
          { displayName: { contains: q, mode: 'insensitive' } },
          { accountName: { contains: q, mode: 'insensitive' } },
          { eppn: { contains: q, mode: 'insensitive' } },
        ],
      },
      orderBy: { displayName: 'asc' },
      take: 50,
    });
    return people.map(toSummary);
  }

  async timeline(principal: Principal, personKey: string) {
    const person = await this.prisma.consolePerson.findUnique({ where: { personKey } });
    if (!person || !canSeeTenant(principal, person.tenant)) throw new TimelineError('NOT_FOUND', 'no such person');
    const entries = await this.prisma.consoleTimelineEntry.findMany({
      where: { personKey: { in: [person.personKey, ...person.registerIds] }, tenant: person.tenant },
      orderBy: [{ occurredAt: 'asc' }, { id: 'asc' }],
      take: 1000,
    });
    return {
      person: toSummary(person),
      entries: entries.map((e) => ({
        eventId: e.eventId,
        stage: e.stage,
        type: e.type,
        subject: e.subject,
        occurredAt: e.occurredAt.toISOString(),
        cause: e.cause,
        summary: e.summary,
      })),
    };
  }
}

function toSummary(p: { personKey: string; tenant: string; displayName: string | null; accountName: string | null; eppn: string | null }) {
  return { personKey: p.personKey, tenant: p.tenant, displayName: p.displayName, accountName: p.accountName, eppn: p.eppn };
}
