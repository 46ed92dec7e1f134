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

  it('keeps 24 hours for the history and forgets what is older', () => {
    const counter = new ThroughputCounter();
    counter.record('skara', 'ops', now - 25 * 3_600_000);
    counter.record('skara', 'ops', now - 23 * 3_600_000);
    counter.record('skara', 'ops', now);
    const total = counter.series(now, () => true, 24 * 60).reduce((sum, p) => sum + (p.counts.ops ?? 0), 0);
    expect(total).toBe(2);
  });

  it('hands out each changed minute once for saving, and restores saved minutes without lowering a count', () => {
    const counter = new ThroughputCounter();
    counter.record('skara', 'identity', now);
    counter.record('skara', 'identity', now);
    counter.record(null, 'deadletter', now);
    const rows = counter.takeChanged();
    expect(rows).toEqual(
      expect.arrayContaining([
        { tenant: 'skara', stage: 'identity', minute: new Date('2026-11-28T06:30:00Z'), count: 2 },
        { tenant: '_none', stage: 'deadletter', minute: new Date('2026-11-28T06:30:00Z'), count: 1 },
      ]),
    );
    expect(counter.takeChanged()).toEqual([]);

    const restarted = new ThroughputCounter();
    restarted.load(rows);
    restarted.load([{ tenant: 'skara', stage: 'identity', minute: new Date('2026-11-28T06:30:00Z'), count: 1 }]);
    restarted.record('skara', 'identity', now);
    expect(restarted.series(now, () => true, 1)).toEqual([{ minute: '2026-11-28T06:30:00.000Z', counts: { identity: 3, deadletter: 1 } }]);
    expect(restarted.takeChanged()).toEqual([{ tenant: 'skara', stage: 'identity', minute: new Date('2026-11-28T06:30:00Z'), count: 3 }]);
  });
});
