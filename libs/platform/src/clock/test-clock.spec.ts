import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileClock, testClock } from './test-clock';

describe('fileClock', () => {
  let dir: string;
  let file: string;
  const write = (text: string) => {
    // As tests do: a whole new file renamed into place.
    writeFileSync(`${file}.tmp`, text);
    renameSync(`${file}.tmp`, file);
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'file-clock-'));
    file = join(dir, 'clock');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('answers the system time while the file is absent', () => {
    const before = Date.now();
    const now = fileClock(file).now().getTime();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('answers the instant in the file, and follows it when the file changes or goes', () => {
    const clock = fileClock(file);
    write('2027-06-08T10:00:00Z\n');
    expect(clock.now().toISOString()).toBe('2027-06-08T10:00:00.000Z');
    expect(clock.now().toISOString()).toBe('2027-06-08T10:00:00.000Z');
    write('2027-09-01T10:00:00+02:00');
    expect(clock.now().toISOString()).toBe('2027-09-01T08:00:00.000Z');
    rmSync(file);
    expect(Math.abs(clock.now().getTime() - Date.now())).toBeLessThan(5_000);
  });

  it('reads a bare date as noon UTC of that day', () => {
    write('2027-08-31');
    expect(fileClock(file).now().toISOString()).toBe('2027-08-31T12:00:00.000Z');
  });

  it('refuses a file that holds no instant, naming the file', () => {
    write('next tuesday');
    expect(() => fileClock(file).now()).toThrow(/clock file .*clock must hold an ISO instant/);
    write('2027-02-30T10:00:00Z');
    expect(() => fileClock(file).now()).toThrow(RangeError);
  });

  it('is no clock at all when CLOCK_FILE is not set', () => {
    expect(testClock(undefined)).toBeUndefined();
    expect(testClock('')).toBeUndefined();
    write('2027-08-31T10:00:00Z');
    expect(testClock(file)?.now().toISOString()).toBe('2027-08-31T10:00:00.000Z');
  });
});
