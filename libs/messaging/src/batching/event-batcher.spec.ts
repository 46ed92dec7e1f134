import { EventBatcher, settleEach, type Settled } from './event-batcher';

describe(EventBatcher.name, () => {
  it('runs events submitted together as one batch and settles each with its own outcome', async () => {
    const batches: number[][] = [];
    const batcher = new EventBatcher<number, string>(async (items) => {
      batches.push(items);
      return items.map((n): Settled<string> => (n % 3 === 0 ? { error: new Error(`bad ${n}`) } : { value: `ok ${n}` }));
    });
    const results = await Promise.allSettled([1, 2, 3, 4].map((n) => batcher.submit(n)));
    expect(batches).toEqual([[1, 2, 3, 4]]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(['ok 1', 'ok 2', 'bad 3', 'ok 4']);
  });

  it('splits at the batch size, keeps arrival order and runs one batch at a time', async () => {
    const batches: number[][] = [];
    let running = 0;
    let overlapped = false;
    const batcher = new EventBatcher<number, number>(
      async (items) => {
        running += 1;
        overlapped ||= running > 1;
        batches.push(items);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running -= 1;
        return items.map((value) => ({ value }));
      },
      3,
    );
    const values = await Promise.all(Array.from({ length: 7 }, (_, i) => batcher.submit(i)));
    expect(values).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(batches).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(overlapped).toBe(false);
  });

  it('rejects every event of a batch whose run fails, and serves later events again', async () => {
    let fail = true;
    const batcher = new EventBatcher<string, string>(async (items) => {
      if (fail) throw new Error('database away');
      return items.map((value) => ({ value }));
    });
    const failed = await Promise.allSettled([batcher.submit('a'), batcher.submit('b')]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(batcher.submit('c')).resolves.toBe('c');
  });
});

describe(settleEach.name, () => {
  it('applies the items one after the other and gives each its own outcome', async () => {
    const seen: number[] = [];
    const outcomes = await settleEach([1, 2, 3], async (n) => {
      seen.push(n);
      if (n === 2) throw new Error('bad 2');
      return n * 10;
    });
    expect(seen).toEqual([1, 2, 3]);
    expect(outcomes.map((o) => ('value' in o ? o.value : (o.error as Error).message))).toEqual([10, 'bad 2', 30]);
  });
});
