import fc from 'fast-check';
import { KeyedScheduler } from './keyed-scheduler';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(KeyedScheduler.name, () => {
  it('runs tasks of one key in submission order and never more than the limit at once (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 4 }),
        async (tasks, limit) => {
          const scheduler = new KeyedScheduler(limit);
          const done = new Map<number, number[]>();
          let running = 0;
          let peak = 0;
          tasks.forEach(([key, delay], index) => {
            void scheduler.run(String(key), async () => {
              running++;
              peak = Math.max(peak, running);
              await tick(delay);
              done.set(key, [...(done.get(key) ?? []), index]);
              running--;
            });
          });
          await scheduler.drain();
          expect(peak).toBeLessThanOrEqual(limit);
          for (const indexes of done.values()) expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
          expect([...done.values()].flat()).toHaveLength(tasks.length);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('runs different keys in parallel up to the limit', async () => {
    const scheduler = new KeyedScheduler(3);
    let running = 0;
    let peak = 0;
    for (let i = 0; i < 9; i++) {
      void scheduler.run(`k${i}`, async () => {
        running++;
        peak = Math.max(peak, running);
        await tick(10);
        running--;
      });
    }
    await scheduler.drain();
    expect(peak).toBe(3);
  });

  it('keeps going after a task fails', async () => {
    const scheduler = new KeyedScheduler(1);
    const seen: string[] = [];
    void scheduler.run('a', async () => {
      throw new Error('boom');
    });
    void scheduler.run('a', async () => {
      seen.push('second');
    });
    await scheduler.drain();
    expect(seen).toEqual(['second']);
  });

  it('blocks the puller at maxPending until tasks finish', async () => {
    const scheduler = new KeyedScheduler(1, 2);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    void scheduler.run('a', () => gate);
    void scheduler.run('a', async () => undefined);
    let passed = false;
    const waiting = scheduler.waitForCapacity().then(() => (passed = true));
    await tick(20);
    expect(passed).toBe(false);
    release();
    await waiting;
    expect(passed).toBe(true);
  });
});
