// One HTTP exchange with the register: auth headers, a per-attempt timeout, and retries with
// exponential backoff on 429/5xx/timeouts/network errors, honouring Retry-After. Everything that
// fails ends as an Ss12000Error with a code; nothing personal goes into its message.
import type { AuthProvider } from './auth';
import { Ss12000Error } from './ss12000.errors';

export interface RetryInfo {
  path: string;
  attempt: number;
  delayMs: number;
  reason: string;
}

export interface TransportOptions {
  baseUrl: string;
  auth?: AuthProvider;
  /** Per-attempt timeout (headers and body). Default 30 s. */
  timeoutMs?: number;
  /** Retries after the first attempt. Default 4. */
  retries?: number;
  /** First backoff delay; doubles per retry. Default 250 ms. */
  backoffBaseMs?: number;
  /** Largest backoff delay. Default 15 s. */
  backoffMaxMs?: number;
  /** A Retry-After above this is clamped to it. Default 60 s. */
  maxRetryAfterMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  onRetry?: (info: RetryInfo) => void;
  userAgent?: string;
}

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path below baseUrl, starting with '/'. */
  path: string;
  query?: URLSearchParams;
  body?: unknown;
  signal?: AbortSignal;
  /** Statuses that are answers, not errors (e.g. 404 for a lookup by id). */
  accept?: number[];
}

export interface TransportResponse {
  status: number;
  body: unknown;
  headers: Headers;
}

const RETRYABLE_STATUS = (status: number) => status === 429 || status === 408 || status >= 500;

export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export class HttpTransport {
  private readonly base: string;

  constructor(private readonly options: TransportOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
  }

  /** Delay before retry number `retry` (1-based): exponential with jitter in [d/2, d]. */
  backoffDelay(retry: number): number {
    const base = this.options.backoffBaseMs ?? 250;
    const max = this.options.backoffMaxMs ?? 15_000;
    const d = Math.min(max, base * 2 ** (retry - 1));
    return Math.round(d / 2 + (this.options.random ?? Math.random)() * (d / 2));
  }

  async request(spec: RequestSpec): Promise<TransportResponse> {
    const o = this.options;
    const retries = o.retries ?? 4;
    const sleep = o.sleep ?? defaultSleep;
    const url = `${this.base}${spec.path}${spec.query && [...spec.query.keys()].length ? `?${spec.query}` : ''}`;
    let reauthenticated = false;
    let lastError: Ss12000Error | undefined;
    for (let attempt = 1; ; attempt++) {
      this.throwIfAborted(spec);
      let delayHint: number | undefined;
      try {
        return await this.attempt(url, spec);
      } catch (error) {
        if (!(error instanceof Ss12000Error)) throw error;
        if (error.code === 'AUTH' && error.details.status === 401 && o.auth?.invalidate && !reauthenticated) {
          // A cached OAuth token may have been revoked early: fetch a fresh one, once.
          o.auth.invalidate();
          reauthenticated = true;
          attempt--;
          continue;
        }
        if (!error.retryable || error.code === 'ABORTED') throw error;
        lastError = error;
        delayHint = error.details.retryAfterMs;
      }
      if (attempt > retries) {
        lastError.details.attempts = attempt;
        throw lastError;
      }
      const backoff = this.backoffDelay(attempt);
      const delayMs =
        delayHint !== undefined ? Math.min(Math.max(delayHint, 0), o.maxRetryAfterMs ?? 60_000) : backoff;
      o.onRetry?.({ path: spec.path, attempt, delayMs, reason: lastError.message });
      try {
        await sleep(delayMs, spec.signal);
      } catch {
        this.throwIfAborted(spec);
      }
    }
  }

  private throwIfAborted(spec: RequestSpec): void {
    if (spec.signal?.aborted) {
      throw new Ss12000Error('ABORTED', `${spec.method} ${spec.path} aborted`, { path: spec.path });
    }
  }

  private async attempt(url: string, spec: RequestSpec): Promise<TransportResponse> {
    const o = this.options;
    const timeoutMs = o.timeoutMs ?? 30_000;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = spec.signal ? AbortSignal.any([spec.signal, timeout]) : timeout;
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...(o.userAgent && { 'user-agent': o.userAgent }),
      ...(await o.auth?.headers(signal)),
    };
    if (spec.body !== undefined) headers['content-type'] = 'application/json';
    const path = spec.path;
    try {
      const response = await (o.fetch ?? fetch)(url, {
        method: spec.method,
        headers,
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        signal,
      });
      const { status } = response;
      if (status === 401 || status === 403) {
        await response.body?.cancel();
        throw new Ss12000Error('AUTH', `${spec.method} ${path} answered ${status}`, { status, path });
      }
      if ((status < 200 || status >= 300) && !spec.accept?.includes(status)) {
        await response.body?.cancel();
        const retryAfterMs = RETRYABLE_STATUS(status)
          ? parseRetryAfter(response.headers.get('retry-after'))
          : undefined;
        throw new Ss12000Error('HTTP_STATUS', `${spec.method} ${path} answered ${status}`, {
          status,
          path,
          retryAfterMs,
        });
      }
      const text = await response.text();
      let body: unknown = undefined;
      if (text.length > 0) {
        try {
          body = JSON.parse(text);
        } catch (error) {
          throw new Ss12000Error(
            'INVALID_RESPONSE',
            `${spec.method} ${path} answered a body that is not JSON`,
            {
              status,
              path,
            },
            { cause: error },
          );
        }
      }
      return { status, body, headers: response.headers };
    } catch (error) {
      if (error instanceof Ss12000Error) {
        // 408 is retryable by status but not by the Ss12000Error rule; treat it like a timeout.
        if (error.code === 'HTTP_STATUS' && error.details.status === 408) {
          throw new Ss12000Error('TIMEOUT', error.message, error.details);
        }
        throw error;
      }
      if (spec.signal?.aborted) {
        throw new Ss12000Error('ABORTED', `${spec.method} ${path} aborted`, { path }, { cause: error });
      }
      if (timeout.aborted) {
        throw new Ss12000Error(
          'TIMEOUT',
          `${spec.method} ${path} did not answer within ${timeoutMs} ms`,
          { path },
          {
            cause: error,
          },
        );
      }
      const cause = (error as { cause?: { code?: string } }).cause;
      throw new Ss12000Error(
        'NETWORK',
        `${spec.method} ${path} failed: ${cause?.code ?? (error as Error).message}`,
        {
          path,
        },
        { cause: error },
      );
    }
  }
}
