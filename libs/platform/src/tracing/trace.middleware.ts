import { Injectable, type NestMiddleware } from '@nestjs/common';
import { continueTrace, formatTraceparent, runInTrace } from '@skolkonto/contracts';

interface TracedRequest {
  readonly headers: Record<string, string | string[] | undefined>;
}
interface TracedResponse {
  setHeader(name: string, value: string): unknown;
}

/**
 * Runs the rest of an HTTP request in a trace: the caller's W3C `traceparent` is continued (new span,
 * same trace id), otherwise a new trace starts. Log lines written while serving it and events built
 * for it carry that trace; the response names the span in `traceresponse` so a caller can find the
 * logs. Express-style, for `app.use(traceRequests)` on an HTTP app without PlatformModule.
 */
export function traceRequests(request: TracedRequest, response: TracedResponse, next: () => void): void {
  const header = request.headers.traceparent;
  const context = continueTrace(Array.isArray(header) ? header[0] : header);
  response.setHeader('traceresponse', formatTraceparent(context));
  runInTrace(context, next);
}

/** traceRequests for every route of an app that imports PlatformModule. */
@Injectable()
export class TraceMiddleware implements NestMiddleware {
  use(request: TracedRequest, response: TracedResponse, next: () => void): void {
    traceRequests(request, response, next);
  }
}
