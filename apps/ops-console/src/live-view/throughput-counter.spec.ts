import fc from 'fast-check';
import { ThroughputCounter } from './throughput-counter';

describe(ThroughputCounter.name, () => {
  const now = Date.parse('2026-11-28T06:30:30Z');

  it('counts events per stage and minute for the tenants an operator may see', () => {
    const counter = new ThroughputCounter();
    counter.record('skara', 'identity', now - 1000);
    counter.record('skara', 'identity', now - 2000);
    counter.record('gotene', 'register', now - 1000);
    const series = counter.series(now, (t) => t === 'skara', 5);
    expect(series).toHaveLength(5);
    expect(series.at(-1)).toEqual({ minute: '2026-11-28T06:30:00.000Z', counts: { identity: 2 } });
  });

  it('forgets events older than an hour', () => {
    const counter = new ThroughputCounter();
    counter.record('skara', 'ops', now - 2 * 3_600_000);
    counter.record('skara', 'ops', now);
    const total = counter.series(now, () => true).reduce((sum, p) => sum + (p.counts.ops ?? 0), 0);
    expect(total).toBe(1);
  });

  it('never reports more in the last minute than was recorded in the last two minutes', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 120_000 }), { maxLength: 50 }), (ages) => {
        const counter = new ThroughputCounter();
        for (const age of ages) counter.record('t', 'identity', now - age);
        const recent = ages.filter((age) => now - age >= Math.floor(now / 60_000) * 60_000 - 60_000).length;
        expect(counter.lastMinute(now, 't').identity ?? 0).toBeLessThanOrEqual(recent);
      }),
    );
  });
});
