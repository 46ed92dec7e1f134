import { HttpTransport, parseRetryAfter } from './http-transport';

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('0.5')).toBe(500);
    const now = Date.parse('2026-11-28T06:00:00Z');
    expect(parseRetryAfter('Sat, 28 Nov 2026 06:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Sat, 28 Nov 2026 05:00:00 GMT', now)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe(HttpTransport.name, () => {
  it('doubles the backoff per retry, with jitter in [d/2, d], up to the maximum', () => {
    const low = new HttpTransport({
      baseUrl: 'http://x',
      backoffBaseMs: 100,
      backoffMaxMs: 1000,
      random: () => 0,
    });
    const high = new HttpTransport({
      baseUrl: 'http://x',
      backoffBaseMs: 100,
      backoffMaxMs: 1000,
      random: () => 1,
    });
    expect([1, 2, 3, 4, 5, 6].map((n) => low.backoffDelay(n))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5, 6].map((n) => high.backoffDelay(n))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
});
