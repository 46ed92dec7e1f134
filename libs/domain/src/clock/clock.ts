/**
 * "Today" for every date rule comes from a Clock, so rules are testable and a sweep can be replayed.
 * Register dates (startDate/endDate) are calendar dates in Swedish local time, so an instant is
 * turned into a LocalDate ("YYYY-MM-DD") in Europe/Stockholm before comparing.
 */
export interface Clock {
  now(): Date;
}

/** An ISO calendar date, `YYYY-MM-DD`; compares correctly as a string. */
export type LocalDate = string;

export const systemClock: Clock = { now: () => new Date() };

/** A clock that always answers the same instant (tests, replays). */
export function fixedClock(at: Date | string): Clock {
  const instant = typeof at === 'string' ? new Date(at.length === 10 ? `${at}T12:00:00Z` : at) : at;
  if (Number.isNaN(instant.getTime())) throw new RangeError(`not a date: ${String(at)}`);
  return { now: () => new Date(instant.getTime()) };
}

/** A clock tests can move forward. */
export class ManualClock implements Clock {
  private instant: Date;
  constructor(at: Date | string) {
    this.instant = fixedClock(at).now();
  }
  now(): Date {
    return new Date(this.instant.getTime());
  }
  set(at: Date | string): void {
    this.instant = fixedClock(at).now();
  }
  advanceDays(days: number): void {
    this.instant = new Date(this.instant.getTime() + days * 86_400_000);
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The calendar date of an instant in a time zone (default Europe/Stockholm). */
export function toLocalDate(instant: Date, timeZone = 'Europe/Stockholm'): LocalDate {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, formatter);
  }
  return formatter.format(instant);
}

export function todayOf(clock: Clock, timeZone = 'Europe/Stockholm'): LocalDate {
  return toLocalDate(clock.now(), timeZone);
}

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date in `YYYY-MM-DD` form. */
export function isLocalDate(value: unknown): value is LocalDate {
  if (typeof value !== 'string') return false;
  const m = LOCAL_DATE.exec(value);
  if (!m) return false;
  return isValidDate(Number(m[1]), Number(m[2]), Number(m[3]));
}

export function isValidDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= daysInMonth(year, month);
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Accepts `YYYY-MM-DD` or a full ISO timestamp (registers send both) and keeps the date part. */
export function toLocalDateOrUndefined(value: string | null | undefined): LocalDate | undefined {
  if (!value) return undefined;
  const date = value.slice(0, 10);
  return isLocalDate(date) ? date : undefined;
}

export function addDays(date: LocalDate, days: number): LocalDate {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y!, m! - 1, d! + days)).toISOString().slice(0, 10);
}

export function maxDate(a: LocalDate, b: LocalDate): LocalDate {
  return a >= b ? a : b;
}
