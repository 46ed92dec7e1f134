// Collects identity events handled concurrently into one batch per tenant, so the batch pipeline
// (one reservation insert, pooled adds, one multi-value modify per group) and the per-batch change
// thresholds see many people at once instead of one per JetStream message.
import { Logger } from '@nestjs/common';
import { currentTrace, runInTrace, runWithoutTrace, type TraceContext } from '@skolkonto/contracts';
import type { TenantLayout } from '../directory-layout/tenant-layout';
import type { PlanOutcome } from '../shared/plan-runner';
import type { IdentityInput, ProvisionAccountService } from './provision-account.service';

interface Pending {
  input: IdentityInput;
  trace?: TraceContext;
  submittedAt: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface TenantQueue {
  layout: TenantLayout;
  items: Pending[];
  /** Batches of this tenant running now, and the identities they carry. */
  running: number;
  busy: Set<string>;
  timer?: NodeJS.Timeout;
}

export interface BatcherStats {
  /** Batches handed to the pipeline (also counted when they fail). */
  batches: number;
  /** Events in those batches, superseded ones included. */
  events: number;
  /** Older versions of an identity acked with a newer one of the same batch, not planned. */
  superseded: number;
  /** Batches whose plan was held over the tenant's thresholds (their messages are acked). */
  held: number;
  failed: number;
}

/**
 * A batch closes at `maxBatch` events or `lingerMs` after its oldest event, whichever comes first.
 * Tenants have their own queues and batches of different tenants run side by side. Of one tenant,
 * up to `parallelBatches` batches run at once, so one batch's reads, name reservations and group
 * writes overlap another's adds (a large tenant's initial load keeps the directory busy); an
 * identity is never in two running batches, and its versions go to batches in arrival order.
 * Each caller's promise settles once its batch is committed (resolve: the transport acks) or
 * failed (reject: the transport naks with backoff or dead-letters on the last delivery), so
 * delivery stays at-least-once. The pipeline is idempotent per identity version, so a
 * redelivered batch, in any composition, creates nothing twice.
 */
export class IdentityEventBatcher {
  private readonly logger = new Logger(IdentityEventBatcher.name);
  private readonly tenants = new Map<string, TenantQueue>();
  readonly stats: BatcherStats = { batches: 0, events: 0, superseded: 0, held: 0, failed: 0 };

  constructor(
    private readonly service: Pick<ProvisionAccountService, 'provisionBatch'>,
    readonly maxBatch = 200,
    readonly lingerMs = 200,
    readonly parallelBatches = 1,
  ) {
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new Error('maxBatch must be a positive integer');
    if (!Number.isInteger(parallelBatches) || parallelBatches < 1) throw new Error('parallelBatches must be a positive integer');
  }

  /** Batches of a tenant running, plus one for events waiting to form the next. */
  backlog(tenant: string): number {
    const queue = this.tenants.get(tenant);
    return queue ? queue.running + (queue.items.length > 0 ? 1 : 0) : 0;
  }

  submit(layout: TenantLayout, input: IdentityInput): Promise<void> {
    const trace = currentTrace();
    return new Promise((resolve, reject) => {
      let queue = this.tenants.get(layout.id);
      if (!queue) {
        queue = { layout, items: [], running: 0, busy: new Set() };
        this.tenants.set(layout.id, queue);
      }
      queue.items.push({ input, trace, submittedAt: Date.now(), resolve, reject });
      // A pending linger timer pumps when it fires; until a batch fills there is nothing to start.
      if (queue.running < this.parallelBatches && (!queue.timer || queue.items.length >= this.maxBatch)) this.pump(queue);
    });
  }

  /** Starts every batch that may start now; otherwise waits out the oldest waiting event's linger. */
  private pump(queue: TenantQueue): void {
    if (queue.timer) {
      clearTimeout(queue.timer);
      queue.timer = undefined;
    }
    while (queue.running < this.parallelBatches) {
      const eligible = this.eligible(queue);
      if (eligible.length === 0) return;
      // Items are in arrival order: the first eligible one has waited longest.
      const waitMs = queue.items[eligible[0]!]!.submittedAt + this.lingerMs - Date.now();
      if (eligible.length < this.maxBatch && waitMs > 0) {
        // The drain belongs to no single event's trace.
        runWithoutTrace(() => {
          queue.timer = setTimeout(() => {
            queue.timer = undefined;
            this.pump(queue);
          }, waitMs);
        });
        return;
      }
      const taken = new Set(eligible.slice(0, this.maxBatch));
      const batch = queue.items.filter((_, i) => taken.has(i));
      queue.items = queue.items.filter((_, i) => !taken.has(i));
      const ids = new Set(batch.map((item) => item.input.identity.identityId));
      for (const id of ids) queue.busy.add(id);
      queue.running += 1;
      void runWithoutTrace(() => this.run(queue.layout, batch)).finally(() => {
        queue.running -= 1;
        for (const id of ids) queue.busy.delete(id);
        this.pump(queue);
      });
    }
  }

  /**
   * Positions of the queued events a new batch may take, in arrival order: not an identity a
   * running batch carries, nor one with an earlier event held back for that reason.
   */
  private eligible(queue: TenantQueue): number[] {
    const held = new Set<string>();
    const positions: number[] = [];
    queue.items.forEach((item, i) => {
      const id = item.input.identity.identityId;
      if (queue.busy.has(id) || held.has(id)) held.add(id);
      else positions.push(i);
    });
    return positions;
  }

  private async run(layout: TenantLayout, batch: Pending[]): Promise<void> {
    // Newest version per identity; an older one in the same batch is superseded by it.
    const newest = new Map<string, Pending>();
    for (const item of batch) {
      const id = item.input.identity.identityId;
      const seen = newest.get(id);
      if (!seen || seen.input.identity.version < item.input.identity.version) newest.set(id, item);
    }
    const superseded = batch.length - newest.size;
    this.stats.batches += 1;
    this.stats.events += batch.length;
    this.stats.superseded += superseded;
    const started = Date.now();
    let outcome: PlanOutcome;
    try {
      const inputs = [...newest.values()];
      const provision = () => this.service.provisionBatch(layout, inputs.map((item) => item.input));
      // A batch of one (a single change) keeps its event's trace in the directory.* events it
      // causes; a batch of many belongs to no single trace.
      const only = inputs.length === 1 ? inputs[0]!.trace : undefined;
      outcome = await (only ? runInTrace(only, provision) : provision());
    } catch (error) {
      this.stats.failed += 1;
      for (const item of batch) item.reject(error);
      return;
    }
    if (outcome.status === 'held') {
      // Held like a single event's plan always was: stored and announced, the messages acked; an
      // operator's approval applies it.
      this.stats.held += 1;
      this.logger.warn({ tenant: layout.id, planId: outcome.planId, events: batch.length, duplicate: outcome.duplicate ?? false, msg: 'identity batch held over the change threshold (ops.plan.held)' });
    }
    for (const item of batch) item.resolve();
    // One line per batch (not per person): its size, how long its oldest event waited, how long it ran.
    this.logger.log({
      tenant: layout.id,
      events: batch.length,
      superseded,
      outcome: outcome.status,
      waitedMs: started - Math.min(...batch.map((item) => item.submittedAt)),
      ranMs: Date.now() - started,
      msg: 'identity batch committed',
    });
  }
}
