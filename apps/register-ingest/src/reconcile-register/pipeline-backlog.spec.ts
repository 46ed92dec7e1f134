import fc from 'fast-check';
import type { RegisterPage } from '../register-source/register-source';
import { type GateClock, PipelineBacklogGate } from './pipeline-backlog';
import { inSteps } from './reconcile-register.service';

/** A clock that only moves when the gate sleeps. */
function fakeClock(): GateClock & { sleeps: number } {
  let now = 0;
  const clock = {
    sleeps: 0,
    now: () => now,
    sleep: async (ms: number) => {
      clock.sleeps += 1;
      now += ms;
    },
  };
  return clock;
}

/**
 * A backlog that reports these numbers of events in turn, then the last one for ever; every
 * measurement where the number fell counts as progress (something was acknowledged).
 */
function backlogs(...values: number[]) {
  let i = 0;
  let acknowledged = 0;
  let previous: number | undefined;
  const measure = jest.fn(async () => {
    const events = values[Math.min(i++, values.length - 1)]!;
    if (previous !== undefined && events < previous) acknowledged += 1;
    previous = events;
    return { events, acknowledged };
  });
  return measure;
}

const OPTIONS = { maxBacklog: 100, stallMs: 1_000, pollMs: 100 };

describe('PipelineBacklogGate', () => {
  it('measures nothing and never waits when turned off', async () => {
    const measure = backlogs(10_000);
    const gate = new PipelineBacklogGate(measure, { ...OPTIONS, maxBacklog: 0 });
    expect(await gate.waitForRoom(1000)).toMatchObject({ waitedMs: 0, backlog: 0, stalled: false });
    expect(measure).not.toHaveBeenCalled();
  });

  it('lets a read go on at once while its step fits under the limit', async () => {
    const clock = fakeClock();
    const gate = new PipelineBacklogGate(backlogs(90), OPTIONS, clock);
    expect(await gate.waitForRoom(10)).toMatchObject({ waitedMs: 0, backlog: 90, stalled: false });
    expect(clock.sleeps).toBe(0);
  });

  it('lets a step larger than the limit go when nothing is left downstream', async () => {
    const gate = new PipelineBacklogGate(backlogs(0), OPTIONS, fakeClock());
    expect(await gate.waitForRoom(1000)).toMatchObject({ waitedMs: 0, stalled: false });
  });

  it('waits while the backlog is over the limit and goes on once it is worked off', async () => {
    const clock = fakeClock();
    const gate = new PipelineBacklogGate(backlogs(500, 400, 300, 200, 90), OPTIONS, clock);
    expect(await gate.waitForRoom(10)).toMatchObject({ waitedMs: 400, backlog: 90, stalled: false });
  });

  it('keeps waiting while the pipeline works, however long that takes', async () => {
    const clock = fakeClock();
    // One event less every 900 ms (nine polls): something is acknowledged within every stall time.
    const values = Array.from({ length: 400 }, (_, i) => 110 - Math.floor(i / 9));
    const gate = new PipelineBacklogGate(backlogs(...values), OPTIONS, clock);
    const wait = await gate.waitForRoom(0);
    expect(wait.stalled).toBe(false);
    expect(wait.backlog).toBe(100);
    expect(wait.waitedMs).toBeGreaterThan(OPTIONS.stallMs * 5);
  });

  it('stops waiting when nothing is acknowledged, and waits again once the backlog was under the limit', async () => {
    const clock = fakeClock();
    // Measured at 0, 100 … 1000 ms: nothing acknowledged for the stall time. Then 50, then stuck again.
    const gate = new PipelineBacklogGate(backlogs(...Array<number>(11).fill(700), 50, 700), OPTIONS, clock);
    const first = await gate.waitForRoom(10);
    expect(first).toMatchObject({ waitedMs: OPTIONS.stallMs, backlog: 700, stalled: true });
    first.settle();
    // Stalled: the read's next steps go on without waiting.
    const second = await gate.waitForRoom(10);
    expect(second).toMatchObject({ waitedMs: 0, stalled: true });
    second.settle();
    await clock.sleep(OPTIONS.pollMs);
    (await gate.waitForRoom(10)).settle();
    await clock.sleep(OPTIONS.pollMs);
    // Under the limit in between, so a new backlog is waited for (for the stall time) again.
    expect(await gate.waitForRoom(10)).toMatchObject({ waitedMs: OPTIONS.stallMs, backlog: 700, stalled: true });
  });

  it('goes on when the backlog cannot be measured (the outbox keeps what is written), and says so now and then', async () => {
    const clock = fakeClock();
    const told: unknown[] = [];
    const gate = new PipelineBacklogGate(async () => Promise.reject(new Error('NATS away')), { ...OPTIONS, onUnmeasurable: (e) => told.push(e) }, clock);
    expect(await gate.waitForRoom(10)).toMatchObject({ waitedMs: 0, stalled: false });
    await clock.sleep(OPTIONS.pollMs);
    await gate.waitForRoom(10);
    expect(told).toEqual([new Error('NATS away')]);
    await clock.sleep(OPTIONS.stallMs);
    await gate.waitForRoom(10);
    expect(told).toHaveLength(2);
  });

  it('counts what it let through until a measurement can see it, so reads waiting together do not all go on', async () => {
    const clock = fakeClock();
    const gate = new PipelineBacklogGate(backlogs(0), { ...OPTIONS, maxBacklog: 250 }, clock);
    // One measurement (nothing downstream) serves both: the first goes on, and the second only
    // because the first step plus its own still fit.
    const [first, second] = await Promise.all([gate.waitForRoom(100), gate.waitForRoom(100)]);
    expect([first.waitedMs, second.waitedMs]).toEqual([0, 0]);
    expect(second.backlog).toBe(100);
    // Committed after that measurement started: still counted until the next one.
    first.settle();
    second.settle();
    const third = await gate.waitForRoom(100);
    expect(third).toMatchObject({ waitedMs: OPTIONS.pollMs, backlog: 0, stalled: false });
  });

  it('keeps counting steps not yet committed: no measurement can see them', async () => {
    const clock = fakeClock();
    const gate = new PipelineBacklogGate(backlogs(0), { ...OPTIONS, maxBacklog: 250 }, clock);
    await gate.waitForRoom(100);
    await gate.waitForRoom(100);
    // Never settled (still being written): the third waits on every new measurement, and nothing
    // downstream acknowledges anything, so it finally goes on as stalled.
    expect(await gate.waitForRoom(100)).toMatchObject({ backlog: 200, stalled: true });
  });

  it('rejects a nonsensical configuration', () => {
    expect(() => new PipelineBacklogGate(backlogs(0), { ...OPTIONS, maxBacklog: -1 })).toThrow(/maxBacklog/);
    expect(() => new PipelineBacklogGate(backlogs(0), { ...OPTIONS, pollMs: 0 })).toThrow(/pollMs/);
  });

  it('goes on only under the limit or after nothing was acknowledged for the stall time (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 60 }), async (values) => {
        const clock = fakeClock();
        const gate = new PipelineBacklogGate(backlogs(...values), OPTIONS, clock);
        const wait = await gate.waitForRoom(0);
        // One measurement per poll; after the list the last value repeats.
        const seen = Array.from({ length: clock.sleeps + 1 }, (_, k) => values[Math.min(k, values.length - 1)]!);
        const last = seen[seen.length - 1]!;
        expect(wait.backlog).toBe(last);
        expect(seen.slice(0, -1).every((value) => value > OPTIONS.maxBacklog)).toBe(true);
        if (!wait.stalled) {
          expect(last).toBeLessThanOrEqual(OPTIONS.maxBacklog);
          return;
        }
        // Stalled: over the limit, and no measurement during the last stall time showed progress.
        expect(last).toBeGreaterThan(OPTIONS.maxBacklog);
        const polls = OPTIONS.stallMs / OPTIONS.pollMs;
        expect(seen.length).toBeGreaterThan(polls);
        const recent = seen.slice(-polls - 1);
        expect(recent.every((value, k) => k === 0 || value >= recent[k - 1]!)).toBe(true);
      }),
    );
  });
});

describe('inSteps', () => {
  const page = (n: number) => ({
    records: Array.from({ length: n }, (_, i) => ({ id: `r${i}` }) as unknown as RegisterPage['records'][number]),
    rejected: [{ registerId: 'bad', code: 'MISSING_FIELD', reasons: [] }] as unknown as RegisterPage['rejected'],
  });

  it('keeps every record once, in order, in steps of at most the size; the rejections go with the first', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 120 }), (n, size) => {
        const whole = page(n);
        const steps = inSteps(whole, size);
        expect(steps.flatMap((step) => step.records)).toEqual(whole.records);
        expect(steps.every((step) => step.records.length <= size || steps.length === 1)).toBe(true);
        expect(steps[0]!.rejected).toBe(whole.rejected);
        expect(steps.slice(1).every((step) => step.rejected.length === 0)).toBe(true);
      }),
    );
  });
});
