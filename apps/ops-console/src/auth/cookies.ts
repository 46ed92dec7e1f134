import type { Request, Response } from 'express';

export const SESSION_COOKIE = 'sk_console_session';
export const CSRF_COOKIE = 'sk_console_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index < 0) continue;
    if (part.slice(0, index).trim() === name) return decodeURIComponent(part.slice(index + 1).trim());
  }
  return undefined;
}

/** Session cookie: HTTP-only, SameSite=Strict, Secure unless the config says local http. */
export function setSessionCookies(res: Response, token: string, csrfToken: string, expiresAt: Date, secure: boolean): void {
  const base = { path: '/', sameSite: 'strict' as const, secure, expires: expiresAt };
  res.cookie(SESSION_COOKIE, token, { ...base, httpOnly: true });
  // Readable by the page's script, which echoes it in the X-CSRF-Token header (double submit).
  res.cookie(CSRF_COOKIE, csrfToken, { ...base, httpOnly: false });
}

export function clearSessionCookies(res: Response, secure: boolean): void {
  const base = { path: '/', sameSite: 'strict' as const, secure };
  res.clearCookie(SESSION_COOKIE, { ...base, httpOnly: true });
  res.clearCookie(CSRF_COOKIE, base);
}
