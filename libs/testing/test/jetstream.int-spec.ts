import { AckPolicy, DeliverPolicy, JSONCodec } from 'nats';
import { createTestJetStream, TestJetStream } from '@skolkonto/testing';

const codec = JSONCodec<{ n: number }>();

describe('NATS JetStream', () => {
  let js: TestJetStream;

  beforeEach(async () => {
    js = await createTestJetStream('jetstream');
  });

  afterEach(async () => {
    await js.cleanup();
  });

  it('publishes with de-duplication and consumes through a durable pull consumer with explicit acks', async () => {
    const stream = js.streamName('EVENTS');
    await js.addStream({ name: stream, subjects: [js.subject('events', '>')] });
    for (const n of [1, 2, 3]) {
      const ack = await js.client.publish(js.subject('events', 'created'), codec.encode({ n }), {
        msgID: `msg-${n}`,
      });
      expect(ack.duplicate).toBe(false);
    }
    const again = await js.client.publish(js.subject('events', 'created'), codec.encode({ n: 1 }), {
      msgID: 'msg-1',
    });
    expect(again.duplicate).toBe(true);

    await js.manager.consumers.add(stream, {
      durable_name: 'testing-consume-events',
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: 30_000_000_000,
    });

    // First consumer instance: take two messages, ack them, then go away.
    const first = await js.client.consumers.get(stream, 'testing-consume-events');
    const batch = await first.fetch({ max_messages: 2, expires: 2_000 });
    const seen: number[] = [];
    for await (const message of batch) {
      seen.push(codec.decode(message.data).n);
      await message.ackAck();
    }
    expect(seen).toEqual([1, 2]);

    // A new instance of the same durable resumes after the acked messages.
    const second = await js.client.consumers.get(stream, 'testing-consume-events');
    const next = await second.next({ expires: 2_000 });
    expect(next && codec.decode(next.data).n).toBe(3);
    await next?.ackAck();

    const info = await js.manager.consumers.info(stream, 'testing-consume-events');
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_pending).toBe(0);
    expect(info.ack_floor.stream_seq).toBe(3);
  });

  it('cleanup deletes every stream named with its namespace', async () => {
    const made = js.streamName('MADE_ELSEWHERE');
    await js.manager.streams.add({ name: made, subjects: [js.subject('elsewhere')] });
    await js.addStream({ name: js.streamName('ADDED'), subjects: [js.subject('added')] });

    await js.cleanup();

    const probe = await createTestJetStream('probe');
    try {
      const names: string[] = [];
      for await (const name of probe.manager.streams.names()) names.push(name);
      expect(names.filter((name) => name.startsWith(`${js.namespace.toUpperCase()}_`))).toEqual([]);
    } finally {
      await probe.cleanup();
    }
  });
});
