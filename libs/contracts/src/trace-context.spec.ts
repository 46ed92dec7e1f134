import { createCloudEvent } from './cloud-event';
import { continueTrace, currentTraceparent, formatTraceparent, parseTraceparent, runInTrace, runWithoutTrace } from './trace-context';

const PARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('trace context', () => {
  it('continues a valid traceparent in a new span and starts a new trace otherwise', () => {
    const next = continueTrace(PARENT);
    expect(next.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(next.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(next.spanId).not.toBe('b7ad6b7169203331');
    for (const bad of [undefined, '', 'garbage', '00-00000000000000000000000000000000-b7ad6b7169203331-01', 'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01']) {
      expect(parseTraceparent(bad)).toBeUndefined();
      expect(continueTrace(bad).traceId).not.toBe('0af7651916cd43dd8448eb211c80319c');
    }
  });

  it('gives an event built inside an operation that trace, unless the event names its own', async () => {
    const context = continueTrace(PARENT);
    const envelope = { type: 'se.skolkonto.ops.test.happened.v1', source: '/skolkonto/test', subject: 's', tenant: 'skara', data: {} };
    expect(createCloudEvent(envelope).traceparent).toBeUndefined();
    await runInTrace(context, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      expect(currentTraceparent()).toBe(formatTraceparent(context));
      expect(createCloudEvent(envelope).traceparent).toBe(`00-0af7651916cd43dd8448eb211c80319c-${context.spanId}-01`);
      expect(createCloudEvent({ ...envelope, traceparent: PARENT }).traceparent).toBe(PARENT);
    });
    expect(currentTraceparent()).toBeUndefined();
  });

  it('runs shared work outside the trace it was started from, also in what it schedules', async () => {
    const context = continueTrace(PARENT);
    const seen = await runInTrace(context, () => runWithoutTrace(() => new Promise<string | undefined>((resolve) => setTimeout(() => resolve(currentTraceparent()), 1))));
    expect(seen).toBeUndefined();
    expect(runInTrace(context, () => currentTraceparent())).toBe(formatTraceparent(context));
  });
});
