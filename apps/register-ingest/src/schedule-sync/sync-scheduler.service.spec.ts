import { msUntilNextDailyTime } from './sync-scheduler.service';

describe(msUntilNextDailyTime.name, () => {
  it('waits until the same day when the time is still ahead', () => {
    const now = new Date(2026, 10, 28, 1, 0, 0);
    expect(msUntilNextDailyTime('02:30', now)).toBe(90 * 60_000);
  });

  it('waits until the next day when the time has passed', () => {
    const now = new Date(2026, 10, 28, 3, 0, 0);
    expect(msUntilNextDailyTime('02:30', now)).toBe(23.5 * 3_600_000);
  });

  it('never answers zero (a run exactly at the time is scheduled for tomorrow)', () => {
    const now = new Date(2026, 10, 28, 2, 30, 0);
    expect(msUntilNextDailyTime('02:30', now)).toBe(24 * 3_600_000);
  });
});
