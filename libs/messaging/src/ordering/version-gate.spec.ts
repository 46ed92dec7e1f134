import fc from 'fast-check';
import { applyIfNewer, decideVersion, InMemoryVersionStore } from './version-gate';

describe(decideVersion.name, () => {
  it('applies the first and newer versions, calls equal ones duplicates and older ones stale', () => {
    expect(decideVersion(undefined, 1)).toBe('apply');
    expect(decideVersion(3, 4)).toBe('apply');
    expect(decideVersion(3, 3)).toBe('duplicate');
    expect(decideVersion(3, 2)).toBe('stale');
  });
});

describe(applyIfNewer.name, () => {
  it('ends with the highest version applied, whatever the arrival order (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 30 }), async (versions) => {
        const store = new InMemoryVersionStore();
        let state = 0;
        const appliedSeq: number[] = [];
        for (const v of versions) {
          await applyIfNewer(store, 'id', v, async () => {
            state = v;
            appliedSeq.push(v);
          });
        }
        expect(state).toBe(Math.max(...versions));
        expect(appliedSeq).toEqual([...new Set(appliedSeq)].sort((a, b) => a - b)); // strictly increasing
      }),
    );
  });
});
