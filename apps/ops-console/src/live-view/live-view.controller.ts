import { Controller, Get, MessageEvent, Query, Req, Sse } from '@nestjs/common';
import { finalize, interval, map, merge, Observable } from 'rxjs';
import { consoleMetrics } from '../console-metrics';
import { AuthedRequest } from '../auth/auth.guard';
import { LiveFilter, LiveViewService } from './live-view.service';

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

  @Get('throughput')
  throughput(@Req() req: AuthedRequest) {
    return this.live.throughput(req.principal);
  }
}

function toFilter(query: Record<string, string | undefined>): LiveFilter {
  const pick = (key: string) => (typeof query[key] === 'string' && query[key] ? query[key] : undefined);
  return { tenant: pick('tenant'), domain: pick('domain'), type: pick('type'), person: pick('person') };
}
