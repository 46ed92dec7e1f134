import { BadRequestException, Controller, Get, MessageEvent, Query, Req, Sse } from '@nestjs/common';
import { finalize, interval, map, merge, Observable } from 'rxjs';
import { consoleMetrics } from '../console-metrics';
import { AuthedRequest } from '../auth/auth.guard';
import { LiveFilter, LiveViewService } from './live-view.service';
import { KEEP_MINUTES } from './throughput-counter';

@Controller('api/live')
export class LiveViewController {
  constructor(private readonly live: LiveViewService) {}

  /** Server-sent events: one `event` message per observed event, a `ping` every 15 s keeps proxies open. */
  @Sse('events')
  events(@Req() req: AuthedRequest, @Query() query: Record<string, string | undefined>): Observable<MessageEvent> {
    const f = toFilter(query);
    consoleMetrics.liveClientOpened();
    return merge(
      this.live.feed(req.principal, f).pipe(map((event) => ({ type: 'event', data: event }) as MessageEvent)),
      interval(15_000).pipe(map(() => ({ type: 'ping', data: {} }) as MessageEvent)),
    ).pipe(finalize(() => consoleMetrics.liveClientClosed()));
  }

  @Get('recent')
  recent(@Req() req: AuthedRequest, @Query() query: Record<string, string | undefined>) {
    return this.live.recentEvents(req.principal, toFilter(query));
  }

  @Get('tiles')
  tiles(@Req() req: AuthedRequest) {
    return this.live.tiles(req.principal);
  }

  /** `?minutes=` 1…1440 (default 60): the chart's hour, or up to the 24 hours kept. */
  @Get('throughput')
  throughput(@Req() req: AuthedRequest, @Query('minutes') minutes?: string) {
    const n = minutes === undefined ? 60 : Number(minutes);
    if (!Number.isInteger(n) || n < 1 || n > KEEP_MINUTES) throw new BadRequestException(`minutes must be a whole number from 1 to ${KEEP_MINUTES}`);
    return this.live.throughput(req.principal, n);
  }
}

function toFilter(query: Record<string, string | undefined>): LiveFilter {
  const pick = (key: string) => (typeof query[key] === 'string' && query[key] ? query[key] : undefined);
  return { tenant: pick('tenant'), domain: pick('domain'), type: pick('type'), person: pick('person') };
}
