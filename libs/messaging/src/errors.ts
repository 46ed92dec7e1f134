// How handler errors become transport behaviour (the only place that decides it):
//   success → ack; `retryable === true` → nak with backoff; PermanentError (bad payload, broken
//   domain rule, unknown version) → dead letter at once; anything else → retry until the last
//   delivery, then dead letter.

export class PermanentError extends Error {
  readonly permanent = true;
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'PermanentError';
  }
}

export type ErrorDisposition = 'retry' | 'permanent' | 'unknown';

export function classifyError(error: unknown): ErrorDisposition {
  if (typeof error === 'object' && error !== null) {
    const e = error as { permanent?: unknown; retryable?: unknown };
    if (e.permanent === true) return 'permanent';
    if (e.retryable === true) return 'retry';
  }
  return 'unknown';
}

/** A stable code and a message for logs and dead letters. */
export function summarizeError(error: unknown): { code: string; message: string } {
  if (typeof error === 'object' && error !== null) {
    const e = error as { code?: unknown; message?: unknown; name?: unknown };
    const code = typeof e.code === 'string' && e.code ? e.code : typeof e.name === 'string' ? e.name : 'ERROR';
    const message = typeof e.message === 'string' ? e.message : JSON.stringify(error);
    return { code, message: message.slice(0, 2000) };
  }
  return { code: 'ERROR', message: String(error).slice(0, 2000) };
}
