/** Errors of the identity normalizer; only the messaging library turns them into ack/nak/dead letter. */
export class NormalizerError extends Error {
  constructor(
    readonly code: 'INVALID_RECORD' | 'UNKNOWN_TENANT' | 'CONFLICT',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'NormalizerError';
  }

  /** A concurrent writer won (deadlock, serialization): try the same event again. */
  get retryable(): boolean {
    return this.code === 'CONFLICT';
  }
}
