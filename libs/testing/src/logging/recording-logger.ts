/**
 * A Nest logger (LoggerService shape) that keeps every warning, error and fatal line, so a test can
 * assert that something (a shutdown, a reconnect) logged none. Info and debug lines are dropped.
 */
export class RecordingLogger {
  readonly problems: string[] = [];
  log(): void {}
  debug(): void {}
  verbose(): void {}
  warn(message: unknown): void {
    this.problems.push(`warn: ${JSON.stringify(message)}`);
  }
  error(message: unknown): void {
    this.problems.push(`error: ${JSON.stringify(message)}`);
  }
  fatal(message: unknown): void {
    this.problems.push(`fatal: ${JSON.stringify(message)}`);
  }
}
