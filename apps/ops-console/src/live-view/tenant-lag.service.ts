// Consumer lag per tenant for the health tiles: for each service's durable consumer, the messages of
// each tenant's subjects it has not yet been given (`pending`) and those it was given but has not
// acknowledged (`ackPending`). The tiles are polled, so one snapshot serves every request for a
// few seconds, and only consumers that lag at all are counted per tenant.
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConsoleConfig } from '../config';
import { CONSOLE_CONFIG } from '../shared/prisma.provider';
import { ConsumerLag, JetStreamGateway } from '../stream-watch/jetstream-gateway';
import { narrowToTenant, shareOfAckPending, tenantOfSubject } from './tenant-lag';

export interface TenantConsumerLag {
  stream: ConsumerLag['stream'];
  consumer: string;
  pending: number;
  ackPending: number;
  /** False when `ackPending` is an upper bound (see shareOfAckPending). */
  ackPendingExact: boolean;
}

export interface LagSnapshot {
  consumers: ConsumerLag[];
  /** Only tenants with lag; each consumer that lags for the tenant. */
  byTenant: Map<string, TenantConsumerLag[]>;
  /** Consumers that lag but could not be counted per tenant: any tenant's lag may be missing them. */
  unattributed: string[];
}

/** How long one snapshot answers: below the page's 5 s refresh, so each refresh sees a new one. */
const SNAPSHOT_MS = 2000;

@Injectable()
export class TenantLagService {
  private readonly logger = new Logger(TenantLagService.name);
  private cached?: { at: number; snapshot: Promise<LagSnapshot> };
  /** Consumers already warned about, so a failure is logged once, not on every poll. */
  private readonly warned = new Set<string>();

  constructor(
    private readonly gateway: JetStreamGateway,
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
  ) {}

  snapshot(): Promise<LagSnapshot> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at >= SNAPSHOT_MS) {
      const snapshot = this.take();
      this.cached = { at: now, snapshot };
      snapshot.catch(() => {
        if (this.cached?.snapshot === snapshot) this.cached = undefined;
      });
    }
    return this.cached.snapshot;
  }

  private async take(): Promise<LagSnapshot> {
    const consumers = await this.gateway.consumerLag();
    const byTenant = new Map<string, TenantConsumerLag[]>();
    const unattributed: string[] = [];
    for (const consumer of consumers) {
      if (consumer.pending === 0 && consumer.ackPending === 0) continue;
      let lags;
      try {
        lags = await this.perTenant(consumer);
        this.warned.delete(consumer.consumer);
      } catch (error) {
        // E.g. permissions that do not let the console create a consumer on that stream: the
        // tiles still answer, and say that this consumer's lag is not in them.
        if (!this.warned.has(consumer.consumer)) this.logger.warn(`cannot count ${consumer.consumer}'s lag per tenant: ${(error as Error).message}`);
        this.warned.add(consumer.consumer);
        unattributed.push(consumer.consumer);
        continue;
      }
      for (const lag of lags) {
        if (lag.pending === 0 && lag.ackPending === 0) continue;
        const { tenant, ...rest } = lag;
        byTenant.set(tenant, [...(byTenant.get(tenant) ?? []), rest]);
      }
    }
    return { consumers, byTenant, unattributed };
  }

  private async perTenant(consumer: ConsumerLag): Promise<Array<TenantConsumerLag & { tenant: string }>> {
    const namespace = this.config.NATS_NAMESPACE ?? '';
    const subjects = Object.keys(await this.gateway.subjectCounts(consumer.stream, consumer.filter));
    const filters = new Map<string, Set<string>>();
    for (const subject of subjects) {
      const tenant = tenantOfSubject(subject, namespace);
      if (tenant === undefined) continue;
      filters.set(tenant, (filters.get(tenant) ?? new Set()).add(narrowToTenant(consumer.filter, subject, namespace)));
    }
    const base = { stream: consumer.stream, consumer: consumer.consumer };
    // One tenant in the whole filter: the consumer's own counts are that tenant's.
    if (filters.size === 1 && subjects.every((s) => tenantOfSubject(s, namespace) !== undefined)) {
      const [tenant] = filters.keys();
      return [{ ...base, tenant: tenant!, pending: consumer.pending, ackPending: consumer.ackPending, ackPendingExact: true }];
    }
    const afterDelivered = consumer.delivered + 1;
    const afterFloor = consumer.ackFloor + 1;
    const count = (filter: string, from: number) => this.gateway.countFrom(consumer.stream, filter, from);
    const countAll = async (tenantFilters: Iterable<string>, from: number) => (await Promise.all([...tenantFilters].map((f) => count(f, from)))).reduce((a, b) => a + b, 0);
    // Everyone's messages delivered above the floor, counted now rather than taken from the info,
    // so that both sides of the bound describe the same moment as closely as possible.
    const window = consumer.ackPending === 0 ? 0 : Math.max(0, (await count(consumer.filter, afterFloor)) - (await count(consumer.filter, afterDelivered)));
    return Promise.all(
      [...filters].map(async ([tenant, tenantFilters]) => {
        const pending = consumer.pending === 0 ? 0 : await countAll(tenantFilters, afterDelivered);
        const tenantWindow =
          consumer.ackPending === 0 ? 0 : Math.max(0, (await countAll(tenantFilters, afterFloor)) - (consumer.pending === 0 ? await countAll(tenantFilters, afterDelivered) : pending));
        const share = shareOfAckPending(consumer.ackPending, window, tenantWindow);
        return { ...base, tenant, pending, ackPending: share.ackPending, ackPendingExact: share.exact };
      }),
    );
  }
}
