// The subscriber example in examples/ really runs against our events, using only the AsyncAPI document.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { EVENTS, SAMPLE_EVENT_DATA } from '@skolkonto/contracts';
import { createTestMessaging, EventPublisher, resolveMessagingOptions, type TestMessaging } from '../src';

let nats: TestMessaging;
beforeAll(async () => {
  nats = await createTestMessaging('example', { app: 'identity-normalizer' });
});
afterAll(async () => nats.cleanup());

it('consumes identity events, validates them with the AsyncAPI schemas and ignores stale versions', async () => {
  const publisher = new EventPublisher(nats.connection.js, resolveMessagingOptions(nats.options));
  const id = SAMPLE_EVENT_DATA.identityPersonChanged.identityId;
  await publisher.publish(EVENTS.identityPersonChanged, { tenant: 'lidkoping', data: { ...SAMPLE_EVENT_DATA.identityPersonChanged, version: 2 } });
  await publisher.publish(EVENTS.identityPersonChanged, { tenant: 'lidkoping', data: { ...SAMPLE_EVENT_DATA.identityPersonChanged, version: 1 } });
  await publisher.publish(EVENTS.identityPersonDeactivated, { tenant: 'lidkoping', data: { ...SAMPLE_EVENT_DATA.identityPersonDeactivated, version: 3 } });
  // Bypassing our publisher: something invalid that a foreign subscriber must reject.
  await nats.connection.js.publish(`${nats.namespace}.identity.lidkoping.person.changed`, new TextEncoder().encode(JSON.stringify({ type: 'se.skolkonto.identity.person.changed.v1', data: {} })));

  const child = spawn(process.execPath, [join(__dirname, '../../../examples/identity-subscriber/subscribe.mjs')], {
    env: { ...process.env, NATS_NAMESPACE: nats.namespace, MAX_MESSAGES: '4' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const lines = out.trim().split('\n');
  expect({ code, lines: lines.slice(1) }).toEqual({
    code: 0,
    lines: [
      `applied se.skolkonto.identity.person.changed.v1 ${id} v2 active Åsa Lindqvist`,
      `stale ${id} v1 (have v2)`,
      `applied se.skolkonto.identity.person.deactivated.v1 ${id} v3 deactivated Åsa Lindqvist`,
      expect.stringMatching(/^rejected seq 4: .*must have required property/),
    ],
  });
});
