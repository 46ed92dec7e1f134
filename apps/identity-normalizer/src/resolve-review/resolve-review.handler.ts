import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { CloudEvent, ReviewResolvedV1 } from '@skolkonto/contracts';
import { PermanentError } from '@skolkonto/messaging';
import { NormalizerError } from '../normalize-identity/normalizer.errors';
import { ResolveReviewService } from './resolve-review.service';

/**
 * ops.<tenant>.review.resolved (an operator's decision, published by the ops console) → the
 * metadirectory. Decisions on reviews other apps requested are not ours; an unknown review or a
 * contradicting decision is dead-lettered with its reason, so the console can show it.
 */
@Controller()
export class ResolveReviewHandler {
  constructor(private readonly service: ResolveReviewService) {}

  @EventPattern('ops.*.review.resolved', { durable: 'identity-normalizer-resolve-review' })
  async reviewResolved(@Payload() event: CloudEvent<ReviewResolvedV1>): Promise<void> {
    if (event.data.sourceApp !== 'identity-normalizer') return;
    try {
      await this.service.resolve(event.data, event.id);
    } catch (error) {
      if (error instanceof NormalizerError && !error.retryable) throw new PermanentError(error.code, error.message, { cause: error });
      throw error;
    }
  }
}
