import { readFileSync, statSync } from 'node:fs';

/** Structurally the Clock of @skolkonto/domain (which stays free of I/O). */
export interface FileClock {
  now(): Date;
}

/**
 * The test clock for apps run as processes (e2e): the file at `path` holds an ISO instant
 * (`2027-09-01T10:00:00Z`, or a date `2027-09-01` meaning noon UTC) and `now()` answers that
 * instant, frozen, until the file changes; while the file is absent it answers the system time.
 * The file is re-read only when its mtime, size or inode changes, so a test moves time forward
 * while the processes run by writing a new instant (write a temporary file and rename it, so a
 * process never reads half a write). ServiceConfig refuses CLOCK_FILE in production.
 */
export function fileClock(path: string): FileClock {
  let seen = '';
  let instant: Date | undefined;
  return {
    now(): Date {
      let stamp: string;
      try {
        const stat = statSync(path);
        stamp = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        seen = '';
        instant = undefined;
        return new Date();
      }
      if (stamp !== seen) {
        instant = parseInstant(readFileSync(path, 'utf8'), path);
        seen = stamp;
      }
      return new Date(instant!.getTime());
    },
  };
}

/** The test clock when CLOCK_FILE is set, else undefined (the app keeps its system clock). */
export function testClock(clockFile: string | undefined): FileClock | undefined {
  return clockFile ? fileClock(clockFile) : undefined;
}

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

function parseInstant(text: string, path: string): Date {
  const value = text.trim();
  const match = INSTANT.exec(value);
  // Date would roll 2027-02-30 over into March; the calendar check refuses it.
  const [year, month, day] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  const real =
    !!match &&
    calendar.getUTCFullYear() === year &&
    calendar.getUTCMonth() === month - 1 &&
    calendar.getUTCDate() === day;
  const instant = real ? new Date(value.length === 10 ? `${value}T12:00:00Z` : value) : new Date(NaN);
  if (Number.isNaN(instant.getTime())) {
    throw new RangeError(
      `clock file ${path} must hold an ISO instant such as 2027-09-01T10:00:00Z, not "${value.slice(0, 40)}"`,
    );
  }
  return instant;
}
