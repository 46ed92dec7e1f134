import { Logger } from '@nestjs/common';
import { currentTrace, formatTraceparent, runInTrace, runWithoutTrace, type TraceContext } from '@skolkonto/contracts';
import { PermanentError } from '@skolkonto/messaging';
import type { NormalizeIdentityService } from './normalize-identity.service';
import type { RegisterEvent } from './register-event';

/**
 * Collects register events handled concurrently into one transaction (up to `maxBatch`, waiting
 * at most `lingerMs` for company). Batches run one at a time, so events keep their arrival order.
 * Each caller's promise settles when its own event is committed or rejected, so the transport
 * acks only committed work.
 *
 * A batch serves several traces: the drain runs outside any of them, each event keeps its
 * submitter's traceparent (the events built from it continue that trace) and what is logged about
 * one event is logged in its trace.
 */
export class RegisterEventBatcher {
  private readonly logger = new Logger(RegisterEventBatcher.name);
  private queue: Array<{ event: RegisterEvent; trace?: TraceContext; resolve: () => void; reject: (error: unknown) => void }> = [];
  private draining = false;

  constructor(
    private readonly service: NormalizeIdentityService,
    private readonly maxBatch = 500,
    private readonly lingerMs = 5,
  ) {}

  submit(event: RegisterEvent): Promise<void> {
    const trace = currentTrace();
    const traced = trace && !event.traceparent ? { ...event, traceparent: formatTraceparent(trace) } : event;
    return new Promise((resolve, reject) => {
      this.queue.push({ event: traced, trace, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        const delay = this.queue.length >= this.maxBatch ? 0 : this.lingerMs;
        runWithoutTrace(() => setTimeout(() => void this.drain(), delay));
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          const result = await this.service.applyBatch(batch.map((b) => b.event));
          // A rejected record was published as ops.record.rejected in the same transaction: acked.
          // A refused event (unknown tenant) is dead-lettered, to be replayed once configured.
          const refused = new Map(result.refused.map((r) => [r.eventId, r.reason]));
          const rejected = new Set(result.rejected.map((r) => r.eventId));
          for (const item of batch) {
            const reason = refused.get(item.event.eventId);
            if (rejected.has(item.event.eventId)) this.inTraceOf(item, () => this.logger.warn({ eventId: item.event.eventId, entity: item.event.entity, tenant: item.event.tenant, msg: 'register record rejected (ops.record.rejected)' }));
            if (reason) item.reject(new PermanentError('UNKNOWN_TENANT', reason));
            else item.resolve();
          }
          this.logger.debug({ events: batch.length, applied: result.applied, skipped: result.skipped, rejected: result.rejected.length, refused: result.refused.length, published: result.published });
        } catch (error) {
          for (const item of batch) item.reject(error);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private inTraceOf(item: { trace?: TraceContext }, fn: () => void): void {
    if (item.trace) runInTrace(item.trace, fn);
    else fn();
  }
}
