// Request tracing over real HTTP: a Nest app with PlatformModule, logging through the platform's
// pino logger into memory, so the test reads the very lines an app would write.
import { Controller, Get, INestApplication, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { buildEvent, EVENTS, SAMPLE_EVENT_DATA } from '@skolkonto/contracts';
import { createLogger, PinoNestLogger, PlatformModule, ServiceConfig, traceRequests } from '../src';

const lines: Array<Record<string, unknown>> = [];
const capture = { write: (line: string) => void lines.push(JSON.parse(line)) };

@Controller('work')
class WorkController {
  private readonly logger = new Logger(WorkController.name);

  @Get()
  async work() {
    await new Promise((resolve) => setTimeout(resolve, 5)); // the trace survives an async hop
    this.logger.log('doing the work');
    // What an app does when a request leads to an event (e.g. an operator's decision).
    return { traceparent: buildEvent(EVENTS.identityPersonChanged, { tenant: 'lidkoping', source: 'test', data: SAMPLE_EVENT_DATA.identityPersonChanged }).traceparent };
  }
}

let app: INestApplication;
let baseUrl: string;

beforeAll(async () => {
  @Module({ imports: [PlatformModule.forRoot(new ServiceConfig(), [])], controllers: [WorkController] })
  class TestModule {}
  app = await NestFactory.create(TestModule, { logger: new PinoNestLogger(createLogger('trace-test', 'info', capture)) });
  await app.listen(0, '127.0.0.1');
  baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
});
afterAll(async () => app.close());

async function get(headers: Record<string, string> = {}) {
  lines.length = 0;
  const res = await fetch(`${baseUrl}/work`, { headers });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { traceparent?: string };
  const line = lines.find((l) => l.msg === 'doing the work');
  expect(line).toBeDefined();
  return { line: line!, traceresponse: res.headers.get('traceresponse'), eventTraceparent: body.traceparent };
}

describe('request tracing', () => {
  it("writes the caller's trace id on the log lines of its request, in a span of its own", async () => {
    const incoming = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const { line, traceresponse, eventTraceparent } = await get({ traceparent: incoming });
    expect(line.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(line.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(line.spanId).not.toBe('00f067aa0ba902b7');
    expect(line.service).toBe('trace-test');
    expect(traceresponse).toBe(`00-4bf92f3577b34da6a3ce929d0e0e4736-${line.spanId}-01`);
    // An event built while serving the request continues its trace, with the request's span as parent.
    expect(eventTraceparent).toBe(traceresponse);
  });

  it('starts a new trace for a request without one (or with a malformed one), a different one each time', async () => {
    const first = await get();
    const second = await get({ traceparent: 'not-a-traceparent' });
    for (const { line, traceresponse } of [first, second]) {
      expect(line.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(traceresponse).toBe(`00-${line.traceId}-${line.spanId}-01`);
    }
    expect(first.line.traceId).not.toBe(second.line.traceId);
  });

  it('traces an HTTP app without PlatformModule through app.use(traceRequests)', async () => {
    @Module({ controllers: [WorkController] })
    class BareModule {}
    const bare = await NestFactory.create(BareModule, { logger: new PinoNestLogger(createLogger('trace-test', 'info', capture)) });
    bare.use(traceRequests);
    await bare.listen(0, '127.0.0.1');
    try {
      lines.length = 0;
      const res = await fetch(`http://127.0.0.1:${(bare.getHttpServer().address() as { port: number }).port}/work`, {
        headers: { traceparent: '00-11111111111111111111111111111111-2222222222222222-01' },
      });
      expect(res.status).toBe(200);
      expect(lines.find((l) => l.msg === 'doing the work')?.traceId).toBe('11111111111111111111111111111111');
    } finally {
      await bare.close();
    }
  });

  it('writes no trace id on lines outside a request', () => {
    lines.length = 0;
    new Logger('Outside').log('between requests');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toHaveProperty('traceId');
  });
});
