import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  ForbiddenException,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
  Req,
} from '@nestjs/common';
import { AuthedRequest, RequireRole } from '../auth/auth.guard';
import { ResolveInput, ReviewError, ReviewQueueService } from './review-queue.service';

@Controller('api/reviews')
export class ReviewQueueController {
  constructor(private readonly reviews: ReviewQueueService) {}

  @Get()
  list(
    @Req() req: AuthedRequest,
    @Query('status') status?: string,
    @Query('tenant') tenant?: string,
    @Query('civicNumber') civicNumber?: string,
  ) {
    return this.run(() =>
      this.reviews.list(req.principal, {
        status: status || undefined,
        tenant: tenant || undefined,
        civicNumber,
      }),
    );
  }

  @Post(':reviewId/resolve')
  @HttpCode(200)
  @RequireRole('operator')
  resolve(@Req() req: AuthedRequest, @Param('reviewId') reviewId: string, @Body() body: ResolveInput) {
    return this.run(() => this.reviews.resolve(req.principal, reviewId, body ?? {}));
  }

  private async run<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (error instanceof ReviewError) {
        if (error.code === 'NOT_FOUND') throw new NotFoundException(error.message);
        if (error.code === 'ALREADY_RESOLVED') throw new ConflictException(error.message);
        if (error.code === 'FORBIDDEN') throw new ForbiddenException(error.message);
        throw new BadRequestException(error.message);
      }
      throw error;
    }
  }
}
