// Trace ids across a consumed event, against the real NATS JetStream: the handler's log lines carry
// the event's trace id, and events it publishes continue that trace.
import { Controller, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload } from '@nestjs/microservices';
import { EVENTS, parseTraceparent, SAMPLE_EVENT_DATA, type CloudEvent } from '@skolkonto/contracts';
import { createLogger, PinoNestLogger } from '@skolkonto/platform';
import { randomUUID } from 'node:crypto';
import { createTestMessaging, EventPublisher, JetStreamExceptionFilter, JetStreamServer, resolveMessagingOptions, type TestMessaging } from '../src';

jest.setTimeout(60_000);

const lines: Array<Record<string, unknown>> = [];
const capture = { write: (line: string) => void lines.push(JSON.parse(line)) };
let nats: TestMessaging;
let publisher: EventPublisher;

beforeAll(async () => {
  nats = await createTestMessaging('trace');
  publisher = new EventPublisher(nats.connection.js, resolveMessagingOptions(nats.options));
});
afterAll(async () => nats.cleanup());

async function until<T>(check: () => T | undefined, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const value = check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}

@Controller()
class ProvisionController {
  private readonly logger = new Logger(ProvisionController.name);

  /** Logs, then publishes a follow-up event without naming a trace, as a real handler does. */
  @EventPattern('identity.*.person.changed', { durable: 'trace-test-provision' })
  async handle(@Payload() event: CloudEvent<{ identityId: string }>) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    this.logger.log({ eventId: event.id, msg: 'provisioning' });
    await publisher.publish(EVENTS.directoryAccountProvisioned, {
      tenant: event.tenant,
      data: { ...SAMPLE_EVENT_DATA.directoryAccountProvisioned, tenant: event.tenant, identityId: event.data.identityId },
    });
  }
}

async function followUp(identityId: string): Promise<CloudEvent> {
  for (;;) {
    const messages = await nats.readMessages('DIRECTORY');
    const events = messages.map((m) => JSON.parse(new TextDecoder().decode(m.data)) as CloudEvent<{ identityId: string }>);
    const found = events.find((e) => e.data.identityId === identityId);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('trace ids of consumed events', () => {
  it("writes the event's trace id on the handler's log lines and continues the trace in the events it publishes", async () => {
    @Module({ controllers: [ProvisionController] })
    class TestModule {}
    const app = await NestFactory.createMicroservice(TestModule, {
      strategy: new JetStreamServer({ ...nats.options, connection: nats.connection }),
      logger: new PinoNestLogger(createLogger('trace-test', 'info', capture)),
    });
    app.useGlobalFilters(new JetStreamExceptionFilter());
    await app.listen();
    try {
      const traced = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      const withTrace = { ...SAMPLE_EVENT_DATA.identityPersonChanged, identityId: randomUUID() };
      const { event: first } = await publisher.publish(EVENTS.identityPersonChanged, { tenant: 'lidkoping', data: withTrace, traceparent: traced });
      const withoutTrace = { ...SAMPLE_EVENT_DATA.identityPersonChanged, identityId: randomUUID(), tenant: 'skara' };
      const { event: second } = await publisher.publish(EVENTS.identityPersonChanged, { tenant: 'skara', data: withoutTrace });
      expect(second.traceparent).toBeUndefined();

      const firstLine = await until(() => lines.find((l) => l.eventId === first.id));
      expect(firstLine).toMatchObject({ service: 'trace-test', traceId: '0af7651916cd43dd8448eb211c80319c' });
      expect(firstLine.spanId).not.toBe('b7ad6b7169203331');
      const firstFollowUp = await followUp(withTrace.identityId);
      expect(firstFollowUp.traceparent).toBe(`00-0af7651916cd43dd8448eb211c80319c-${firstLine.spanId}-01`);

      // An event without a trace starts one at its consumer; what follows from it continues it.
      const secondLine = await until(() => lines.find((l) => l.eventId === second.id));
      expect(secondLine.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(secondLine.traceId).not.toBe('0af7651916cd43dd8448eb211c80319c');
      expect(parseTraceparent((await followUp(withoutTrace.identityId)).traceparent)?.traceId).toBe(secondLine.traceId);
    } finally {
      await app.close();
    }
  });
});
