import { Controller, ForbiddenException, Get, NotFoundException, Param, Query, Req } from '@nestjs/common';
import { AuthedRequest } from '../auth/auth.guard';
import { PersonTimelineService, TimelineError } from './person-timeline.service';

@Controller('api/people')
export class PersonTimelineController {
  constructor(private readonly timeline: PersonTimelineService) {}

  @Get()
  async search(@Req() req: AuthedRequest, @Query('q') q = '') {
    return this.run(() => this.timeline.search(req.principal, q));
  }

  @Get(':personKey/timeline')
  async show(@Req() req: AuthedRequest, @Param('personKey') personKey: string) {
    return this.run(() => this.timeline.timeline(req.principal, personKey));
  }

  private async run<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (error instanceof TimelineError) {
        if (error.code === 'FORBIDDEN') throw new ForbiddenException(error.message);
        throw new NotFoundException(error.message);
      }
      throw error;
    }
  }
}
