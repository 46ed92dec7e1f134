import fc from 'fast-check';
import { hashContent, toCanonicalJson } from './content-hash';

function shuffleKeys(value: unknown, seed: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => shuffleKeys(item, seed));
  const keys = Object.keys(value as object);
  const rotated = keys.map((_, i) => keys[(i + seed) % keys.length]!);
  return Object.fromEntries(rotated.reverse().map((key) => [key, shuffleKeys((value as Record<string, unknown>)[key], seed)]));
}

describe('hashContent', () => {
  it('gives the same hash whatever order the keys arrive in', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(20), (value, seed) => {
        expect(hashContent(shuffleKeys(value, seed))).toBe(hashContent(value));
      }),
    );
  });

  it('changes when a nested value changes', () => {
    const before = { id: 'a', enrolments: [{ schoolYear: 3 }], givenName: 'Åsa' };
    const after = { id: 'a', enrolments: [{ schoolYear: 4 }], givenName: 'Åsa' };
    expect(hashContent(after)).not.toBe(hashContent(before));
  });

  it('keeps array order significant', () => {
    expect(hashContent([1, 2])).not.toBe(hashContent([2, 1]));
  });

  it('writes canonical JSON that parses back to the same value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(toCanonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('produces 64 lower-case hex characters', () => {
    expect(hashContent({ a: 1 })).toMatch(/^[0-9a-f]{64}$/);
  });
});
