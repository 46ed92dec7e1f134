// Progress on stderr: a redrawn bar on a terminal, plain lines (at most one per 10% or 15 s) when
// stderr is a file or a pipe, so CI logs stay readable.
const WIDTH = 30;

export class Progress {
  private readonly tty = Boolean(process.stderr.isTTY);
  private lastDraw = 0;
  private lastLinePercent = -1;
  private lastLineAt = 0;
  private readonly started = performance.now();

  constructor(
    private readonly label: string,
    private total: number,
  ) {
    if (!this.tty) process.stderr.write(`${label}: started (${total})\n`);
  }

  setTotal(total: number): void {
    this.total = total;
  }

  update(done: number, detail = ''): void {
    const now = performance.now();
    const fraction = this.total > 0 ? Math.min(1, done / this.total) : 0;
    const percent = Math.floor(fraction * 100);
    const elapsed = (now - this.started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    // A rate over the first instants says nothing.
    const rateText = elapsed >= 2 ? ` ${rate.toFixed(1)}/s` : '';
    const text = `${this.label} ${done}/${this.total} ${percent}%${rateText} ${elapsed.toFixed(0)}s${detail ? ` ${detail}` : ''}`;
    if (this.tty) {
      if (now - this.lastDraw < 100 && done < this.total) return;
      this.lastDraw = now;
      const filled = Math.round(fraction * WIDTH);
      const line = `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${text}`;
      process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns || 120) - 1)}`);
      return;
    }
    const decile = Math.floor(percent / 10);
    if (decile > this.lastLinePercent || now - this.lastLineAt > 15_000) {
      this.lastLinePercent = decile;
      this.lastLineAt = now;
      process.stderr.write(`${text}\n`);
    }
  }

  finish(summary: string): void {
    const line = `${this.label}: ${summary}`;
    process.stderr.write(this.tty ? `\r\x1b[2K${line}\n` : `${line}\n`);
  }
}

/** A one-line note on stderr that does not break a bar being drawn. */
export function note(message: string): void {
  process.stderr.write(process.stderr.isTTY ? `\r\x1b[2K${message}\n` : `${message}\n`);
}
