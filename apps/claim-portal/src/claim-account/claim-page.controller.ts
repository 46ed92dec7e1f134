import { Body, Controller, Get, Header, HttpCode, Inject, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { claimMetrics } from '../claim-metrics';
import { CLAIM_OPTIONS, type ClaimWebOptions } from '../shared/tokens';
import { ClaimKeys } from './claim-keys';
import { ClaimAccountService } from './claim-account.service';
import { DomainPasswordPolicyReader } from './domain-password-policy';
import { chooseLanguage, describeProblem, type Language, MESSAGES } from '../web/messages';
import { codePage, donePage, passwordPage, STYLESHEET } from '../web/pages';
import { readCookie, sessionCookieName } from '../web/web-security';

type Form = Record<string, unknown>;
const text = (value: unknown) => (typeof value === 'string' ? value : '');
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/**
 * The public claim page: GET / (account name + code), POST /claim (→ password form), POST
 * /claim/password (→ done). Every POST needs the session cookie and its CSRF token. HTTP lives here;
 * the decisions are ClaimAccountService's.
 */
@Controller()
export class ClaimPageController {
  constructor(
    private readonly claims: ClaimAccountService,
    private readonly policy: DomainPasswordPolicyReader,
    private readonly keys: ClaimKeys,
    @Inject(CLAIM_OPTIONS) private readonly options: ClaimWebOptions,
  ) {}

  @Get('claim.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  stylesheet(): string {
    return STYLESHEET;
  }

  /** Browsers ask for it on every page; no icon, and no 404 in the logs. */
  @Get('favicon.ico')
  @HttpCode(204)
  favicon(): void {}

  /** A reload or a bookmark of a form's target starts again at the first page. */
  @Get(['claim', 'claim/password'])
  restart(@Res() res: Response): void {
    res.redirect(303, '/');
  }

  @Get()
  start(@Query('lang') lang: unknown, @Req() req: Request, @Res() res: Response): void {
    const language = this.language(lang, req);
    const sessionId = this.session(req, res);
    this.html(res, 200, codePage({ language, csrf: this.keys.csrfToken(sessionId) }));
  }

  @Post('claim')
  @HttpCode(200)
  async claim(@Body() body: Form, @Req() req: Request, @Res() res: Response): Promise<void> {
    const language = this.language(body?.lang, req);
    const sessionId = this.validSession(req, body);
    if (!sessionId) return this.expired(req, res, language);
    const accountName = text(body.accountName);
    const result = await this.claims.verifyCode({
      accountName,
      code: text(body.code),
      ip: req.ip ?? 'unknown',
      sessionId,
    });
    const csrf = this.keys.csrfToken(sessionId);
    claimMetrics.codeSubmitted(result.outcome);
    if (result.outcome === 'rate-limited') {
      res.setHeader('Retry-After', String(result.retryAfterSeconds));
      const minutes = Math.ceil(result.retryAfterSeconds / 60);
      return this.html(
        res,
        429,
        codePage({ language, csrf, accountName, error: MESSAGES[language].rateLimited(minutes) }),
      );
    }
    if (result.outcome === 'rejected')
      return this.html(
        res,
        200,
        codePage({ language, csrf, accountName, error: MESSAGES[language].rejected }),
      );
    const policy = await this.policy.read();
    this.html(
      res,
      200,
      passwordPage({
        language,
        csrf,
        ticket: result.ticket,
        displayName: result.displayName,
        accountName: result.accountName,
        ...this.rules(policy),
      }),
    );
  }

  @Post('claim/password')
  @HttpCode(200)
  async password(@Body() body: Form, @Req() req: Request, @Res() res: Response): Promise<void> {
    const language = this.language(body?.lang, req);
    const sessionId = this.validSession(req, body);
    if (!sessionId) return this.expired(req, res, language);
    const ticket = text(body.ticket);
    const result = await this.claims.setPassword({
      ticket,
      sessionId,
      password: text(body.password),
      confirmation: text(body.confirmation),
    });
    const csrf = this.keys.csrfToken(sessionId);
    claimMetrics.passwordSubmitted(result.outcome);
    switch (result.outcome) {
      case 'claimed':
        return this.html(res, 200, donePage({ language, accountName: result.accountName }));
      case 'invalid-ticket':
        return this.html(res, 200, codePage({ language, csrf, error: MESSAGES[language].sessionExpired }));
      case 'weak':
      case 'refused-by-directory': {
        const errors =
          result.outcome === 'weak'
            ? result.problems.map((p) => describeProblem(language, p))
            : [MESSAGES[language].refused];
        const policy = await this.policy.read();
        return this.html(
          res,
          422,
          passwordPage({
            language,
            csrf,
            ticket,
            displayName: result.displayName,
            accountName: result.accountName,
            errors,
            ...this.rules(policy),
          }),
        );
      }
    }
  }

  private rules(policy: { minLength: number; complex: boolean }) {
    return { minLength: Math.max(policy.minLength, this.options.minPasswordLength), complex: policy.complex };
  }

  private language(lang: unknown, req: Request): Language {
    return chooseLanguage(
      lang ?? req.query?.lang,
      req.headers['accept-language'],
      this.options.defaultLanguage,
    );
  }

  /** The session id from the cookie, creating the cookie on first visit. */
  private session(req: Request, res: Response): string {
    const name = sessionCookieName(this.options.secureCookies);
    const existing = readCookie(req, name);
    if (existing && SESSION_ID.test(existing)) return existing;
    const sessionId = this.keys.newToken();
    res.cookie(name, sessionId, {
      httpOnly: true,
      sameSite: 'strict',
      secure: this.options.secureCookies,
      path: '/',
    });
    return sessionId;
  }

  /** The session id when the request carries the cookie and the matching CSRF token. */
  private validSession(req: Request, body: Form | undefined): string | undefined {
    const sessionId = readCookie(req, sessionCookieName(this.options.secureCookies));
    if (!sessionId || !SESSION_ID.test(sessionId)) return undefined;
    return this.keys.csrfMatches(sessionId, body?.csrf) ? sessionId : undefined;
  }

  private expired(req: Request, res: Response, language: Language): void {
    const sessionId = this.session(req, res);
    this.html(
      res,
      403,
      codePage({ language, csrf: this.keys.csrfToken(sessionId), error: MESSAGES[language].sessionExpired }),
    );
  }

  private html(res: Response, status: number, body: string): void {
    res.status(status).type('text/html; charset=utf-8').send(body);
  }
}
