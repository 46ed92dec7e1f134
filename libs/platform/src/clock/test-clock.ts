import { readFileSync, statSync } from 'node:fs';
import { isLocalDate, systemClock, type Clock } from './clock';

/**
 * The test clock for apps run as processes (e2e): the file at `path` holds an ISO instant
 * (`2027-09-01T10:00:00Z`, or a date `2027-09-01` meaning noon UTC) and `now()` answers that
 * instant, frozen, until the file changes; while the file is absent it answers the system time.
 * The file is re-read only when its mtime, size or inode changes, so a test moves time forward
 * while the processes run by writing a new instant (write a temporary file and rename it, so a
 * process never reads half a write). Production refuses CLOCK_FILE (ServiceConfig).
 */
export function fileClock(path: string): Clock {
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

/** The system clock, or the test clock when a CLOCK_FILE is configured. */
export function clockFromFile(path: string | undefined, fallback: Clock = systemClock): Clock {
  return path ? fileClock(path) : fallback;
}

function parseInstant(text: string, path: string): Date {
  const value = text.trim();
  // Date would roll 2027-02-30 over into March; a calendar check refuses it.
  const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(value) && isLocalDate(value.slice(0, 10));
  const instant = iso ? new Date(value.length === 10 ? `${value}T12:00:00Z` : value) : new Date(NaN);
  if (Number.isNaN(instant.getTime())) {
    throw new RangeError(`clock file ${path} must hold an ISO instant such as 2027-09-01T10:00:00Z, not "${value.slice(0, 40)}"`);
  }
  return instant;
}
