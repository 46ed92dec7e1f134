import fc from 'fast-check';
import { ManualClock, addDays, fixedClock, isLocalDate, todayOf, toLocalDate } from './clock';

describe('clock', () => {
  it('gives the Stockholm calendar date, not the UTC one', () => {
    expect(toLocalDate(new Date('2026-06-30T22:30:00Z'))).toBe('2026-07-01');
    expect(toLocalDate(new Date('2026-12-31T22:59:00Z'))).toBe('2026-12-31');
    expect(toLocalDate(new Date('2026-12-31T23:00:00Z'))).toBe('2027-01-01');
  });

  it('answers a fixed date from a fixed clock', () => {
    expect(todayOf(fixedClock('2026-08-31'))).toBe('2026-08-31');
  });

  it('moves a manual clock forward by days', () => {
    const clock = new ManualClock('2026-08-31');
    clock.advanceDays(1);
    expect(todayOf(clock)).toBe('2026-09-01');
  });

  it('rejects impossible dates', () => {
    expect(isLocalDate('2026-02-29')).toBe(false);
    expect(isLocalDate('2024-02-29')).toBe(true);
    expect(isLocalDate('2026-13-01')).toBe(false);
    expect(() => fixedClock('nonsense')).toThrow(RangeError);
  });

  it('adds days across month and year ends', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('adding then subtracting days is the identity', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1900-01-01'), max: new Date('2199-12-31'), noInvalidDate: true }), fc.integer({ min: -5000, max: 5000 }), (d, n) => {
        const date = d.toISOString().slice(0, 10);
        expect(addDays(addDays(date, n), -n)).toBe(date);
        expect(isLocalDate(addDays(date, n))).toBe(true);
      }),
    );
  });
});
