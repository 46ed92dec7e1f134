import { BadRequestException, Body, Controller, Get, HttpCode, NotFoundException, Post, Query, Req } from '@nestjs/common';
import { AuthedRequest, RequireRole } from '../auth/auth.guard';
import { DeadLetterError, DeadLettersService } from './dead-letters.service';

@Controller('api/dead-letters')
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLettersService) {}

  @Get()
  list(@Req() req: AuthedRequest, @Query('tenant') tenant?: string) {
    return this.deadLetters.list(req.principal, tenant || undefined);
  }

  @Get('actions')
  actions(@Req() req: AuthedRequest) {
    return this.deadLetters.history(req.principal);
  }

  @Post('replay')
  @HttpCode(200)
  @RequireRole('operator')
  replay(@Req() req: AuthedRequest, @Body() body: { sequences?: unknown }) {
    return this.run(() => this.deadLetters.replay(req.principal, toSequences(body?.sequences)));
  }

  @Post('discard')
  @HttpCode(200)
  @RequireRole('operator')
  discard(@Req() req: AuthedRequest, @Body() body: { sequences?: unknown; reason?: unknown }) {
    return this.run(() => this.deadLetters.discard(req.principal, toSequences(body?.sequences), typeof body?.reason === 'string' ? body.reason : ''));
  }

  private async run<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (error instanceof DeadLetterError) {
        if (error.code === 'NOT_FOUND') throw new NotFoundException(error.message);
        throw new BadRequestException(error.message);
      }
      throw error;
    }
  }
}

function toSequences(value: unknown): number[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > 500 || !value.every((v) => Number.isSafeInteger(v) && v > 0)) {
    throw new BadRequestException('sequences: a list of 1-500 dead-letter sequence numbers');
  }
  return value as number[];
}
