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
  draining: boolean;
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
 * A batch closes at `maxBatch` events or `lingerMs` after its first, whichever comes first.
 * Tenants have their own queues and batches of different tenants run side by side; one tenant's
 * batches run one at a time, so versions of an identity apply in arrival order. Each caller's
 * promise settles once its batch is committed (resolve: the transport acks) or failed (reject:
 * the transport naks with backoff or dead-letters on the last delivery), so delivery stays
 * at-least-once. The pipeline is idempotent per identity version, so a redelivered batch, in any
 * composition, creates nothing twice.
 */
export class IdentityEventBatcher {
  private readonly logger = new Logger(IdentityEventBatcher.name);
  private readonly tenants = new Map<string, TenantQueue>();
  readonly stats: BatcherStats = { batches: 0, events: 0, superseded: 0, held: 0, failed: 0 };

  constructor(
    private readonly service: Pick<ProvisionAccountService, 'provisionBatch'>,
    readonly maxBatch = 200,
    readonly lingerMs = 200,
  ) {
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new Error('maxBatch must be a positive integer');
  }

  submit(layout: TenantLayout, input: IdentityInput): Promise<void> {
    const trace = currentTrace();
    return new Promise((resolve, reject) => {
      let queue = this.tenants.get(layout.id);
      if (!queue) {
        queue = { layout, items: [], draining: false };
        this.tenants.set(layout.id, queue);
      }
      queue.items.push({ input, trace, submittedAt: Date.now(), resolve, reject });
      if (!queue.draining) {
        queue.draining = true;
        const started = queue;
        // The drain belongs to no single event's trace.
        runWithoutTrace(() => setTimeout(() => void this.drain(started), started.items.length >= this.maxBatch ? 0 : this.lingerMs));
      }
    });
  }

  private async drain(queue: TenantQueue): Promise<void> {
    try {
      while (queue.items.length > 0) {
        // A full batch goes at once; a partial one waits out the linger for company (once the
        // previous batch finished, whatever queued meanwhile has already lingered).
        const batch = queue.items.splice(0, this.maxBatch);
        await this.run(queue.layout, batch);
      }
    } finally {
      queue.draining = false;
      // Events submitted between the loop's last check and here would otherwise wait for the next submit.
      if (queue.items.length > 0) {
        queue.draining = true;
        runWithoutTrace(() => setTimeout(() => void this.drain(queue), 0));
      }
    }
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
