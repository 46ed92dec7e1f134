// One lane per tenant: delta pulls and full reconciliations of a tenant never overlap (a full read's
// "absent" set would otherwise race with a delta's upserts), and requests that arrive while a run is
// in progress coalesce: a burst of webhooks becomes one extra delta pull after the current run.
import type { SyncRunResult } from '../pull-delta/pull-delta.service';
import type { EntityType } from '../register-source/register-source';
import type { SyncKind, SyncTrigger } from '../sync-state/sync-state.repository';

/** What a delta pull reads: some entity types and/or /deletedEntities. Undefined = everything. */
export interface SyncScope {
  entityTypes: EntityType[];
  deletions: boolean;
}

/** Two queued requests become one that reads what either asked for. */
export function mergeScopes(a: SyncScope | undefined, b: SyncScope | undefined): SyncScope | undefined {
  if (!a || !b) return undefined;
  return { entityTypes: [...new Set([...a.entityTypes, ...b.entityTypes])], deletions: a.deletions || b.deletions };
}

export type SyncRunner = (tenant: string, kind: SyncKind, trigger: SyncTrigger, scope?: SyncScope) => Promise<SyncRunResult>;

interface Pending {
  trigger: SyncTrigger;
  scope?: SyncScope;
  promise: Promise<SyncRunResult>;
  resolve: (result: SyncRunResult) => void;
  reject: (error: unknown) => void;
}

interface Lane {
  running: boolean;
  pending: Map<SyncKind, Pending>;
  /** Holds not yet released (see hold): requests queue but nothing starts. */
  holds: number;
}

export class SyncCoordinator {
  private readonly lanes = new Map<string, Lane>();
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly run: SyncRunner) {}

  /** Queues a run; joins an already queued (not yet started) run of the same kind. */
  request(tenant: string, kind: SyncKind, trigger: SyncTrigger, scope?: SyncScope): Promise<SyncRunResult> {
    const lane = this.laneOf(tenant);
    const queued = lane.pending.get(kind);
    if (queued) {
      queued.scope = mergeScopes(queued.scope, scope);
      return queued.promise;
    }
    let resolve!: (result: SyncRunResult) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<SyncRunResult>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    lane.pending.set(kind, { trigger, scope, promise, resolve, reject });
    void this.drain(tenant, lane);
    return promise;
  }

  /**
   * Keeps the tenant's lane from starting anything until `until` settles (fulfilled or not); requests
   * made meanwhile queue as usual. At boot the startup run's kind (full or delta) is known only after
   * a database read: a webhook's delta must not start before it, or the first full read of a new
   * tenant would come after a delta, and identities would be built before their schools are known.
   */
  hold(tenant: string, until: Promise<unknown>): void {
    const lane = this.laneOf(tenant);
    lane.holds += 1;
    const release = () => {
      lane.holds -= 1;
      void this.drain(tenant, lane);
    };
    until.then(release, release);
  }

  isBusy(tenant: string): boolean {
    const lane = this.lanes.get(tenant);
    return !!lane && (lane.running || lane.pending.size > 0);
  }

  /** Resolves once no lane has work (used at shutdown). */
  async whenIdle(): Promise<void> {
    if (![...this.lanes.values()].some((lane) => lane.running || lane.pending.size > 0)) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private laneOf(tenant: string): Lane {
    let lane = this.lanes.get(tenant);
    if (!lane) {
      lane = { running: false, pending: new Map(), holds: 0 };
      this.lanes.set(tenant, lane);
    }
    return lane;
  }

  private async drain(tenant: string, lane: Lane): Promise<void> {
    if (lane.running || lane.holds > 0) return;
    lane.running = true;
    try {
      while (lane.pending.size > 0) {
        // A full reconciliation first: it also covers whatever a delta would have found.
        const kind: SyncKind = lane.pending.has('full') ? 'full' : 'delta';
        const next = lane.pending.get(kind)!;
        lane.pending.delete(kind);
        try {
          next.resolve(await this.run(tenant, kind, next.trigger, kind === 'delta' ? next.scope : undefined));
        } catch (error) {
          next.reject(error);
        }
      }
    } finally {
      lane.running = false;
      if (![...this.lanes.values()].some((other) => other.running || other.pending.size > 0)) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const waiter of waiters) waiter();
      }
    }
  }
}
