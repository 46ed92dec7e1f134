import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time comparison of a presented secret with the expected one. Both are hashed first so the
 * comparison takes the same time whatever the lengths; an empty expected secret never matches.
 */
export function secretsMatch(presented: string | undefined, expected: string | undefined): boolean {
  if (!expected || presented === undefined) return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The secret from `Authorization: Bearer …`, an `X-Webhook-Secret` header, or a `secret` query parameter. */
export function presentedSecret(headers: Record<string, string | string[] | undefined>, query: Record<string, unknown>): string | undefined {
  const authorization = headers['authorization'];
  if (typeof authorization === 'string' && /^Bearer\s+/i.test(authorization)) return authorization.replace(/^Bearer\s+/i, '');
  const header = headers['x-webhook-secret'];
  if (typeof header === 'string') return header;
  return typeof query['secret'] === 'string' ? query['secret'] : undefined;
}
