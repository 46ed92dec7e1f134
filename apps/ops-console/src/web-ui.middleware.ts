// Serves the built web UI (apps/ops-console/web/dist) next to the API, with strict security headers
// on every response. Client-side routes get index.html; /api, /health and /metrics stay with Nest.
import { Inject, Injectable, NestMiddleware } from '@nestjs/common';
import express, { NextFunction, Request, Response } from 'express';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConsoleConfig } from './config';
import { CONSOLE_CONFIG } from './shared/prisma.provider';

/** apps/ops-console/web/dist, from src/ (tests) or dist/ (built app). */
export function defaultWebDir(): string {
  return resolve(__dirname, '..', 'web', 'dist');
}

const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

@Injectable()
export class WebUiMiddleware implements NestMiddleware {
  private readonly webDir: string;
  private readonly serveStatic: express.RequestHandler;

  constructor(@Inject(CONSOLE_CONFIG) config: ConsoleConfig) {
    this.webDir = config.WEB_DIR ?? defaultWebDir();
    this.serveStatic = express.static(this.webDir, { index: false, maxAge: '1h' });
  }

  use(req: Request, res: Response, next: NextFunction): void {
    res.removeHeader('X-Powered-By');
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    const path = req.originalUrl.split('?')[0] ?? '/';
    if (path.startsWith('/api/')) {
      res.setHeader('Cache-Control', 'no-store');
      return next();
    }
    if (req.method !== 'GET' || path === '/health' || path === '/metrics' || !existsSync(join(this.webDir, 'index.html'))) return next();
    // Nest mounts middleware under a route pattern that rewrites req.url; static files need the real path.
    req.url = req.originalUrl;
    this.serveStatic(req, res, () => {
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(join(this.webDir, 'index.html'));
    });
  }
}
