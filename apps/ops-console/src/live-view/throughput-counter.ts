// Per-minute event counts per tenant and stage for the last hour: the live view's chart and the
// tiles' events-per-minute. Each replica sees every event, so in-memory counts are complete.

const MINUTE = 60_000;
const KEEP_MINUTES = 60;

export interface ThroughputPoint {
  minute: string;
  counts: Record<string, number>;
}

export class ThroughputCounter {
  // minute start (ms) → "tenant stage" → count
  private readonly buckets = new Map<number, Map<string, number>>();

  record(tenant: string | null, stage: string, at: Date | number): void {
    const minute = Math.floor(+at / MINUTE) * MINUTE;
    let bucket = this.buckets.get(minute);
    if (!bucket) {
      bucket = new Map();
      this.buckets.set(minute, bucket);
      this.prune(minute);
    }
    const key = `${tenant ?? '_none'} ${stage}`;
    bucket.set(key, (bucket.get(key) ?? 0) + 1);
  }

  /** The last `minutes` whole minutes up to `now`, oldest first, counts per stage for the given tenants. */
  series(now: number, canSee: (tenant: string) => boolean, minutes = KEEP_MINUTES): ThroughputPoint[] {
    const current = Math.floor(now / MINUTE) * MINUTE;
    const points: ThroughputPoint[] = [];
    for (let m = current - (minutes - 1) * MINUTE; m <= current; m += MINUTE) {
      const counts: Record<string, number> = {};
      for (const [key, count] of this.buckets.get(m) ?? []) {
        const [tenant, stage] = key.split(' ') as [string, string];
        if (canSee(tenant)) counts[stage] = (counts[stage] ?? 0) + count;
      }
      points.push({ minute: new Date(m).toISOString(), counts });
    }
    return points;
  }

  /** Events per stage for one tenant in the 60 s before `now`. */
  lastMinute(now: number, tenant: string): Record<string, number> {
    const result: Record<string, number> = {};
    const current = Math.floor(now / MINUTE) * MINUTE;
    const fraction = (now - current) / MINUTE;
    // The current minute counts whole, the previous one in proportion to the part still inside the window.
    for (const [minute, weight] of [[current, 1], [current - MINUTE, 1 - fraction]] as const) {
      for (const [key, count] of this.buckets.get(minute) ?? []) {
        const [t, stage] = key.split(' ') as [string, string];
        if (t === tenant) result[stage] = (result[stage] ?? 0) + Math.round(count * weight);
      }
    }
    return result;
  }

  tenants(): string[] {
    const all = new Set<string>();
    for (const bucket of this.buckets.values()) for (const key of bucket.keys()) all.add(key.split(' ')[0]!);
    return [...all];
  }

  private prune(latest: number): void {
    for (const minute of this.buckets.keys()) if (minute < latest - KEEP_MINUTES * MINUTE) this.buckets.delete(minute);
  }
}
