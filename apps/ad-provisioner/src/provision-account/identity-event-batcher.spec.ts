import fc from 'fast-check';
import type { PersonIdentityV1 } from '@skolkonto/contracts';
import type { TenantLayout } from '../directory-layout/tenant-layout';
import type { PlanOutcome } from '../shared/plan-runner';
import { IdentityEventBatcher } from './identity-event-batcher';
import type { IdentityInput } from './provision-account.service';

const layout = { id: 'skara' } as TenantLayout;
const event = (identityId: string, version: number): IdentityInput => ({ identity: { identityId, version, tenant: 'skara' } as PersonIdentityV1 });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The pipeline port, recording what ran when: which identities each batch carried, and overlaps. */
function recordingPipeline(delayMs: (batch: number) => number = () => 5) {
  const batches: Array<Array<[string, number]>> = [];
  const running = new Set<string>();
  let concurrent = 0;
  let maxConcurrent = 0;
  const violations: string[] = [];
  const applied = new Map<string, number[]>();
  const service = {
    async provisionBatch(_layout: TenantLayout, inputs: IdentityInput[]): Promise<PlanOutcome> {
      const index = batches.length;
      batches.push(inputs.map((i) => [i.identity.identityId, i.identity.version]));
      concurrent += 1;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      for (const { identity } of inputs) {
        if (running.has(identity.identityId)) violations.push(`${identity.identityId} in two running batches`);
        running.add(identity.identityId);
      }
      await sleep(delayMs(index));
      for (const { identity } of inputs) {
        running.delete(identity.identityId);
        applied.set(identity.identityId, [...(applied.get(identity.identityId) ?? []), identity.version]);
      }
      concurrent -= 1;
      return { status: 'noop' };
    },
  };
  return { service, batches, violations, applied, maxConcurrent: () => maxConcurrent };
}

describe(IdentityEventBatcher.name, () => {
  it('runs two full batches of one tenant side by side when allowed', async () => {
    const pipeline = recordingPipeline(() => 50);
    const batcher = new IdentityEventBatcher(pipeline.service, 200, 1_000, 2);
    await Promise.all(Array.from({ length: 400 }, (_, i) => batcher.submit(layout, event(`p${i}`, 1))));
    expect(pipeline.batches.map((b) => b.length)).toEqual([200, 200]);
    expect(pipeline.maxConcurrent()).toBe(2);
  });

  it('reports a tenant\'s backlog as its running batches plus one while events wait, and none once drained', async () => {
    const backlogSeen: number[] = [];
    const service = {
      async provisionBatch(): Promise<PlanOutcome> {
        await sleep(0); // every submit of this turn has arrived
        backlogSeen.push(batcher.backlog('skara'));
        await sleep(20);
        return { status: 'noop' };
      },
    };
    const batcher = new IdentityEventBatcher(service, 100, 10, 1);
    expect(batcher.backlog('skara')).toBe(0);
    await Promise.all(Array.from({ length: 250 }, (_, i) => batcher.submit(layout, event(`p${i}`, 1))));
    // First batch: itself and 150 waiting (2); second: itself and 50 waiting (2); the last: alone (1).
    expect(backlogSeen).toEqual([2, 2, 1]);
    expect(batcher.backlog('skara')).toBe(0);
    expect(batcher.backlog('lidkoping')).toBe(0);
  });

  it('runs one batch at a time by default', async () => {
    const pipeline = recordingPipeline(() => 20);
    const batcher = new IdentityEventBatcher(pipeline.service, 100, 1_000);
    await Promise.all(Array.from({ length: 300 }, (_, i) => batcher.submit(layout, event(`p${i}`, 1))));
    expect(pipeline.batches).toHaveLength(3);
    expect(pipeline.maxConcurrent()).toBe(1);
  });

  it('holds a newer version back while a running batch carries the identity, and lets others pass', async () => {
    const pipeline = recordingPipeline((batch) => (batch === 0 ? 80 : 5));
    const batcher = new IdentityEventBatcher(pipeline.service, 2, 10, 2);
    const done = [batcher.submit(layout, event('x', 1)), batcher.submit(layout, event('y', 1))];
    await sleep(20); // the first batch [x1, y1] is running
    done.push(batcher.submit(layout, event('x', 2)), batcher.submit(layout, event('z', 1)));
    await Promise.all(done);
    expect(pipeline.batches[0]).toEqual([['x', 1], ['y', 1]]);
    // z went on while x's first version was still being applied; x2 only after it.
    expect(pipeline.batches[1]).toEqual([['z', 1]]);
    expect(pipeline.batches[2]).toEqual([['x', 2]]);
    expect(pipeline.violations).toEqual([]);
  });

  it('applies every identity’s versions in order, never in two running batches, and settles every event (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 10 }),
        async (arrivals, maxBatch, parallel, delays) => {
          const pipeline = recordingPipeline((batch) => delays[batch % delays.length]!);
          const batcher = new IdentityEventBatcher(pipeline.service, maxBatch, 2, parallel);
          const versions = new Map<string, number>();
          const settled: Array<Promise<void>> = [];
          for (const [id, pause] of arrivals) {
            const version = (versions.get(id) ?? 0) + 1;
            versions.set(id, version);
            settled.push(batcher.submit(layout, event(id, version)));
            if (pause > 0) await sleep(pause);
          }
          await Promise.all(settled);
          expect(pipeline.violations).toEqual([]);
          expect(pipeline.maxConcurrent()).toBeLessThanOrEqual(parallel);
          for (const [id, latest] of versions) {
            const seen = pipeline.applied.get(id) ?? [];
            // Increasing (a batch applies only the newest of its versions) and ending at the latest.
            expect(seen).toEqual([...seen].sort((x, y) => x - y));
            expect(new Set(seen).size).toBe(seen.length);
            expect(seen.at(-1)).toBe(latest);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
