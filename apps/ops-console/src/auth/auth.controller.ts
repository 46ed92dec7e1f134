import { Body, Controller, ForbiddenException, Get, HttpCode, Inject, Post, Req, Res, UnauthorizedException, HttpException, HttpStatus } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ConsoleConfig } from '../config';
import { CONSOLE_CONFIG } from '../shared/prisma.provider';
import { AuthedRequest, Public } from './auth.guard';
import { clearSessionCookies, readCookie, SESSION_COOKIE, setSessionCookies } from './cookies';
import { LoginError, SessionService } from './session.service';

@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly sessions: SessionService,
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
  ) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  async login(@Req() req: Request, @Body() body: { username?: unknown; password?: unknown }, @Res({ passthrough: true }) res: Response) {
    // Login CSRF: a cross-site form cannot send JSON with a custom header without a CORS preflight.
    if (!req.is('application/json') || req.header('x-requested-with') !== 'skolkonto-console') {
      throw new ForbiddenException('login must come from the console page');
    }
    if (typeof body.username !== 'string' || typeof body.password !== 'string') {
      throw new UnauthorizedException('wrong username or password');
    }
    try {
      const session = await this.sessions.login(body.username, body.password);
      setSessionCookies(res, session.token, session.csrfToken, session.expiresAt, this.config.COOKIE_SECURE);
      return { operator: session.principal, csrfToken: session.csrfToken };
    } catch (error) {
      if (error instanceof LoginError) {
        if (error.code === 'TOO_MANY_ATTEMPTS') throw new HttpException(error.message, HttpStatus.TOO_MANY_REQUESTS);
        throw new UnauthorizedException(error.message);
      }
      throw error;
    }
  }

  @Post('logout')
  @HttpCode(204)
  async logout(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    await this.sessions.logout(readCookie(req, SESSION_COOKIE));
    clearSessionCookies(res, this.config.COOKIE_SECURE);
  }

  @Get('me')
  async me(@Req() req: AuthedRequest) {
    const session = await this.sessions.resolve(readCookie(req, SESSION_COOKIE));
    return { operator: req.principal, csrfToken: session?.csrfToken };
  }
}
