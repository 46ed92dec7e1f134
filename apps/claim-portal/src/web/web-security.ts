// The public listener's hardening: strict security headers on every answer (also errors and 404s),
// the client IP through a configured number of proxies, and the session cookie the CSRF token is
// bound to (HttpOnly, SameSite=Strict, Secure and __Host- in production).
import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

const CSP =
  "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

export function securityHeaders(secure: boolean) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), interest-cohort=()');
    res.setHeader('Cache-Control', 'no-store');
    if (secure) res.setHeader('Strict-Transport-Security', 'max-age=63072000; includeSubDomains');
    res.removeHeader('X-Powered-By');
    next();
  };
}

/** Applied by main.ts and the tests to the public app, before it listens. */
export function configurePublicApp(
  app: INestApplication,
  options: { secure: boolean; trustProxyHops: number },
): void {
  const express = app.getHttpAdapter().getInstance() as {
    set(key: string, value: unknown): void;
    disable(key: string): void;
  };
  express.disable('x-powered-by');
  express.set('trust proxy', options.trustProxyHops);
  app.use(securityHeaders(options.secure));
}

export function sessionCookieName(secure: boolean): string {
  // __Host- cookies are only accepted with Secure, path=/ and no Domain: nobody else on the site can set them.
  return secure ? '__Host-sk_claim_session' : 'sk_claim_session';
}

export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name)
      return decodeURIComponent(part.slice(index + 1).trim());
  }
  return undefined;
}
