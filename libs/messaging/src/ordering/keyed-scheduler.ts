// Runs tasks with a concurrency limit while keeping tasks of one key strictly sequential, in the
// order they were submitted (stream order). Events about one identity therefore apply in version
// order even when the consumer handles many identities at once.

export class KeyedScheduler {
  private active = 0;
  private pending = 0;
  private readonly slotWaiters: Array<() => void> = [];
  private readonly capacityWaiters: Array<() => void> = [];
  private readonly tails = new Map<string, Promise<void>>();

  constructor(
    private readonly concurrency: number,
    /** Submitted but unfinished tasks allowed before `waitForCapacity` blocks. */
    private readonly maxPending = concurrency * 4,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error('concurrency must be a positive integer');
  }

  /** Unfinished tasks (queued behind their key, waiting for a slot, or running). */
  get size(): number {
    return this.pending;
  }

  /** True while another task can be submitted without waiting. */
  get hasCapacity(): boolean {
    return this.pending < this.maxPending;
  }

  get running(): number {
    return this.active;
  }

  /** Queues `task` behind earlier tasks of `key`; resolves when it has run (errors are the task's to handle). */
  run(key: string, task: () => Promise<void>): Promise<void> {
    this.pending++;
    const previous = this.tails.get(key);
    const next: Promise<void> = (previous ? previous.then(() => this.runInSlot(task)) : this.runInSlot(task)).then(() => {
      this.pending--;
      if (this.tails.get(key) === next) this.tails.delete(key);
      this.notifyCapacity();
    });
    this.tails.set(key, next);
    return next;
  }

  /** Never rejects: task errors are the task's to handle. */
  private async runInSlot(task: () => Promise<void>): Promise<void> {
    await this.acquire();
    try {
      await task();
    } catch {
      // swallowed on purpose (see run)
    } finally {
      this.release();
    }
  }

  /** Resolves once fewer than maxPending tasks are unfinished (back-pressure for the puller). */
  async waitForCapacity(): Promise<void> {
    while (this.pending >= this.maxPending) await new Promise<void>((resolve) => this.capacityWaiters.push(resolve));
  }

  /** Resolves when every submitted task has finished. */
  async drain(): Promise<void> {
    while (this.pending > 0) await new Promise<void>((resolve) => this.capacityWaiters.push(resolve));
  }

  private acquire(): Promise<void> | void {
    if (this.active < this.concurrency) {
      this.active++;
      return;
    }
    return new Promise<void>((resolve) => this.slotWaiters.push(resolve));
  }

  private release(): void {
    const next = this.slotWaiters.shift();
    if (next) next(); // hand the slot over without decrementing
    else this.active--;
  }

  private notifyCapacity(): void {
    if (this.capacityWaiters.length === 0) return;
    for (const resolve of this.capacityWaiters.splice(0)) resolve();
  }
}
