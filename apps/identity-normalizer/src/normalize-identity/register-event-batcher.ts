import { Logger } from '@nestjs/common';
import { PermanentError } from '@skolkonto/messaging';
import type { NormalizeIdentityService } from './normalize-identity.service';
import type { RegisterEvent } from './register-event';

/**
 * Collects register events handled concurrently into one transaction (up to `maxBatch`, waiting
 * at most `lingerMs` for company). Batches run one at a time, so events keep their arrival order.
 * Each caller's promise settles when its own event is committed or rejected, so the transport
 * acks only committed work.
 */
export class RegisterEventBatcher {
  private readonly logger = new Logger(RegisterEventBatcher.name);
  private queue: Array<{ event: RegisterEvent; resolve: () => void; reject: (error: unknown) => void }> = [];
  private draining = false;

  constructor(
    private readonly service: NormalizeIdentityService,
    private readonly maxBatch = 500,
    private readonly lingerMs = 5,
  ) {}

  submit(event: RegisterEvent): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        setTimeout(() => void this.drain(), this.queue.length >= this.maxBatch ? 0 : this.lingerMs);
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
          for (const item of batch) {
            const reason = refused.get(item.event.eventId);
            if (reason) item.reject(new PermanentError('UNKNOWN_TENANT', reason));
            else item.resolve();
          }
          if (result.rejected.length > 0) this.logger.warn({ rejected: result.rejected.length, msg: 'register records rejected (ops.record.rejected)' });
          this.logger.debug({ events: batch.length, applied: result.applied, skipped: result.skipped, rejected: result.rejected.length, refused: result.refused.length, published: result.published });
        } catch (error) {
          for (const item of batch) item.reject(error);
        }
      }
    } finally {
      this.draining = false;
    }
  }
}
