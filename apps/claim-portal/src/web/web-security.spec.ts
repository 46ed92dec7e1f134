import type { NextFunction, Request, Response } from 'express';
import { readCookie, securityHeaders, sessionCookieName } from './web-security';

function headersFor(secure: boolean): Record<string, string> {
  const set: Record<string, string> = {};
  const res = {
    setHeader: (k: string, v: string) => (set[k.toLowerCase()] = v),
    removeHeader: () => undefined,
  } as unknown as Response;
  let called = false;
  securityHeaders(secure)({} as Request, res, (() => (called = true)) as NextFunction);
  expect(called).toBe(true);
  return set;
}

describe('claim page security headers and cookie', () => {
  it('sends a strict policy always, and HSTS only with secure cookies (production)', () => {
    const plain = headersFor(false);
    expect(plain['content-security-policy']).toMatch(/default-src 'self'.*frame-ancestors 'none'/);
    expect(plain['content-security-policy']).toContain("script-src 'none'");
    expect(plain).toMatchObject({
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'cache-control': 'no-store',
    });
    expect(plain['strict-transport-security']).toBeUndefined();
    expect(headersFor(true)['strict-transport-security']).toMatch(/^max-age=\d{8}; includeSubDomains$/);
  });

  it('uses a __Host- cookie when secure, so no other host of the site can set it', () => {
    expect(sessionCookieName(true)).toBe('__Host-sk_claim_session');
    expect(sessionCookieName(false)).toBe('sk_claim_session');
  });

  it('reads one cookie among several', () => {
    expect(
      readCookie({ headers: { cookie: 'a=1; sk_claim_session=abc%2D; b=2' } } as Request, 'sk_claim_session'),
    ).toBe('abc-');
    expect(readCookie({ headers: {} } as Request, 'sk_claim_session')).toBeUndefined();
  });
});
