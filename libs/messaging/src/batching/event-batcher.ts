/** One event's own outcome within a batch. */
export type Settled<R> = { value: R } | { error: unknown };

/**
 * Applies `apply` to each item in turn, each with its own outcome: the fallback of a batch whose
 * shared transaction failed, so that one bad event fails alone.
 */
export async function settleEach<T, R>(items: readonly T[], apply: (item: T) => Promise<R>): Promise<Array<Settled<R>>> {
  const outcomes: Array<Settled<R>> = [];
  for (const item of items) {
    try {
      outcomes.push({ value: await apply(item) });
    } catch (error) {
      outcomes.push({ error });
    }
  }
  return outcomes;
}

/**
 * Gathers the events the transport hands over side by side (up to `maxBatch`, waiting `lingerMs`
 * for company) into one call of `run`, so a first load costs one transaction per batch instead of
 * one per event. Batches run one at a time, in arrival order. Each submitter's promise settles with
 * its own event's outcome: the transport acks only committed work and retries or dead-letters only
 * the event that failed.
 */
export class EventBatcher<T, R> {
  private queue: Array<{ item: T; resolve: (value: R) => void; reject: (error: unknown) => void }> = [];
  private draining = false;

  constructor(
    private readonly run: (items: T[]) => Promise<Array<Settled<R>>>,
    private readonly maxBatch = 64,
    private readonly lingerMs = 5,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        setTimeout(() => void this.drain(), this.queue.length >= this.maxBatch ? 0 : this.lingerMs);
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          const outcomes = await this.run(batch.map((entry) => entry.item));
          batch.forEach((entry, i) => {
            const outcome = outcomes[i];
            if (!outcome) entry.reject(new Error('the batch returned no outcome for this event'));
            else if ('error' in outcome) entry.reject(outcome.error);
            else entry.resolve(outcome.value);
          });
        } catch (error) {
          for (const entry of batch) entry.reject(error);
        }
      }
    } finally {
      this.draining = false;
    }
  }
}
