/** Errors of the identity normalizer; only the messaging library turns them into ack/nak/dead letter. */
export class NormalizerError extends Error {
  /** INVALID_RECORD only: what is wrong, as published in ops.record.rejected (MISSING_FIELD, MISSING_REFERENCE). */
  readonly reason?: string;

  constructor(
    readonly code: 'INVALID_RECORD' | 'UNKNOWN_TENANT' | 'CONFLICT' | 'REVIEW_NOT_FOUND' | 'REVIEW_DECIDED' | 'INVALID_DECISION',
    message: string,
    options?: ErrorOptions & { reason?: string },
  ) {
    super(message, options);
    this.name = 'NormalizerError';
    if (options?.reason) this.reason = options.reason;
  }

  /** A concurrent writer won (deadlock, serialization): try the same event again. */
  get retryable(): boolean {
    return this.code === 'CONFLICT';
  }
}
