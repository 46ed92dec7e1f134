export type Ss12000ErrorCode =
  /** The server returned a pageToken it had already returned during this read. */
  | 'PAGING_LOOP'
  /** More pages than the configured maximum: a server handing out tokens forever. */
  | 'PAGE_LIMIT'
  /** A non-success HTTP status after all retries (status in `status`). */
  | 'HTTP_STATUS'
  /** A request did not answer within the per-request timeout, after all retries. */
  | 'TIMEOUT'
  /** Credentials refused (401/403) or a token could not be obtained. */
  | 'AUTH'
  /** The connection failed (refused, reset, DNS) after all retries. */
  | 'NETWORK'
  /** The body was not the JSON shape the spec prescribes (not a record-level problem). */
  | 'INVALID_RESPONSE'
  /** The caller aborted the read. */
  | 'ABORTED';

/** The one error type the SS 12000 client throws; `code` says what went wrong, never personal data. */
export class Ss12000Error extends Error {
  override readonly name = 'Ss12000Error';

  constructor(
    readonly code: Ss12000ErrorCode,
    message: string,
    readonly details: {
      status?: number;
      path?: string;
      page?: number;
      attempts?: number;
      retryAfterMs?: number;
    } = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  /** Worth trying the whole read again later (the client has already retried single requests). */
  get retryable(): boolean {
    if (this.code === 'HTTP_STATUS') return this.details.status === 429 || (this.details.status ?? 0) >= 500;
    return this.code === 'TIMEOUT' || this.code === 'NETWORK';
  }
}

export function isSs12000Error(error: unknown): error is Ss12000Error {
  return error instanceof Ss12000Error;
}
