// What the live page shows: the event feed (masked, filtered to the operator's tenants), the
// per-tenant health tiles and the throughput of the last hour.
import { Injectable } from '@nestjs/common';
import { PrismaClient } from '@skolkonto/persistence';
import { filter, map, Observable } from 'rxjs';
import { canSeeTenant, Principal, tenantScope } from '../auth/roles';
import { maskSensitive } from '../shared/mask-sensitive';
import { JetStreamGateway } from '../stream-watch/jetstream-gateway';
import { ObservedEvent } from '../stream-watch/observed-event';
import { StreamWatcherService } from '../stream-watch/stream-watcher.service';
import { RegisterSyncService } from '../register-sync/register-sync.service';
import { TenantLagService } from './tenant-lag.service';

export interface LiveFilter {
  tenant?: string;
  domain?: string;
  type?: string;
  person?: string;
}

export interface LiveEventView {
  stream: string;
  sequence: number;
  subject: string;
  domain: string;
  tenant: string | null;
  type: string | null;
  eventId: string | null;
  time: string;
  entity: string | null;
  data: unknown;
}

const RECENT = 200;
const STAGES = ['register', 'identity', 'directory', 'federation', 'ops', 'deadletter'];

/** Pure: does the event pass the operator's tenants and the page's filters? */
export function matchesFilter(event: ObservedEvent, principal: Principal, f: LiveFilter): boolean {
  if (!canSeeTenant(principal, event.tenant)) return false;
  if (f.tenant && event.tenant !== f.tenant) return false;
  if (f.domain && event.domain !== f.domain) return false;
  if (f.type && !(event.type ?? event.subject).toLowerCase().includes(f.type.toLowerCase())) return false;
  if (f.person) {
    const needle = f.person.toLowerCase();
    const data = (event.data && typeof event.data === 'object' ? event.data : {}) as Record<string, unknown>;
    const inner = (key: string, field: string) => (data[key] && typeof data[key] === 'object' ? (data[key] as Record<string, unknown>)[field] : undefined);
    const keys = [event.entity, data.identityId, inner('record', 'id'), data.id, data.sAMAccountName, inner('attributes', 'eduPersonPrincipalName'), inner('names', 'displayName')];
    if (!keys.some((k) => typeof k === 'string' && k.toLowerCase().includes(needle))) return false;
  }
  return true;
}

export function toLiveView(event: ObservedEvent): LiveEventView {
  return {
    stream: event.stream,
    sequence: event.streamSequence,
    subject: event.subject,
    domain: event.domain,
    tenant: event.tenant,
    type: event.type,
    eventId: event.eventId,
    time: event.time,
    entity: event.entity,
    data: maskSensitive(event.data),
  };
}

@Injectable()
export class LiveViewService {
  private readonly recent: ObservedEvent[] = [];

  constructor(
    private readonly watcher: StreamWatcherService,
    private readonly gateway: JetStreamGateway,
    private readonly prisma: PrismaClient,
    private readonly registerSync: RegisterSyncService,
    private readonly tenantLag: TenantLagService,
  ) {
    watcher.events.subscribe((event) => {
      this.recent.push(event);
      if (this.recent.length > RECENT) this.recent.shift();
    });
  }

  feed(principal: Principal, f: LiveFilter): Observable<LiveEventView> {
    return this.watcher.events.pipe(
      filter((event) => matchesFilter(event, principal, f)),
      map(toLiveView),
    );
  }

  recentEvents(principal: Principal, f: LiveFilter): LiveEventView[] {
    return this.recent.filter((e) => matchesFilter(e, principal, f)).map(toLiveView).reverse();
  }

  /** Per-minute counts of the last `minutes` (default the chart's hour, at most the 24 hours kept). */
  throughput(principal: Principal, minutes = 60) {
    return this.watcher.throughput.series(Date.now(), (tenant) => canSeeTenant(principal, tenant), minutes);
  }

  async tiles(principal: Principal) {
    const scope = tenantScope(principal);
    const [held, openReviews, deadLetterSubjects, lag] = await Promise.all([
      this.prisma.consolePlan.groupBy({ by: ['tenant'], where: { status: 'held', ...(scope ? { tenant: { in: scope } } : {}) }, _count: { _all: true } }),
      this.prisma.consoleReview.groupBy({ by: ['tenant'], where: { status: 'open', ...(scope ? { tenant: { in: scope } } : {}) }, _count: { _all: true } }),
      this.gateway.deadLetterSubjects(),
      this.tenantLag.snapshot(),
    ]);
    const deadLetters = new Map<string, number>();
    for (const [subject, count] of Object.entries(deadLetterSubjects)) {
      const tokens = subject.split('.');
      const at = tokens.indexOf('deadletter');
      const tenant = tokens[at + 2] ?? '_none';
      deadLetters.set(tenant, (deadLetters.get(tenant) ?? 0) + count);
    }
    const tenants = new Set<string>([
      ...this.watcher.throughput.tenants(),
      ...held.map((h) => h.tenant),
      ...openReviews.map((r) => r.tenant),
      ...deadLetters.keys(),
      ...this.registerSync.tenants(),
      ...lag.byTenant.keys(),
    ]);
    const now = Date.now();
    const tiles = [...tenants]
      .filter((tenant) => canSeeTenant(principal, tenant))
      .sort()
      .map((tenant) => {
        const perStage = this.watcher.throughput.lastMinute(now, tenant);
        const consumers = lag.byTenant.get(tenant) ?? [];
        return {
          tenant,
          eventsPerMinute: Object.fromEntries(STAGES.map((s) => [s, perStage[s] ?? 0])),
          deadLetters: deadLetters.get(tenant) ?? 0,
          heldPlans: held.find((h) => h.tenant === tenant)?._count._all ?? 0,
          openReviews: openReviews.find((r) => r.tenant === tenant)?._count._all ?? 0,
          lastRegisterSync: this.registerSync.lastSync(tenant)?.completedAt ?? null,
          lastRegisterSyncKind: this.registerSync.lastSync(tenant)?.kind ?? null,
          consumerLag: {
            pending: consumers.reduce((sum, c) => sum + c.pending, 0),
            ackPending: consumers.reduce((sum, c) => sum + c.ackPending, 0),
            ackPendingExact: consumers.every((c) => c.ackPendingExact),
            consumers,
            unattributed: lag.unattributed,
          },
        };
      });
    // The consumers' totals mix every tenant: only for operators who see them all.
    return { tiles, consumers: principal.tenants === 'all' ? lag.consumers.map(({ stream, consumer, pending, ackPending, redelivered }) => ({ stream, consumer, pending, ackPending, redelivered })) : [] };
  }
}
