// Per-minute event counts per tenant and stage: the live view's chart and the tiles' events per
// minute. Counted in memory as events arrive (each replica sees every event, so its counts are
// complete), kept 24 hours, and saved to console_throughput_minutes so a restart keeps the history.

export const MINUTE = 60_000;
/** How long minutes are kept, in memory and in the database. */
export const KEEP_MINUTES = 24 * 60;
const CHART_MINUTES = 60;

export interface ThroughputPoint {
  minute: string;
  counts: Record<string, number>;
}

/** One stored minute: what the database row holds. */
export interface ThroughputRow {
  tenant: string;
  stage: string;
  minute: Date;
  count: number;
}

export class ThroughputCounter {
  // minute start (ms) → "tenant stage" → count
  private readonly buckets = new Map<number, Map<string, number>>();
  /** "minute tenant stage" changed since the last takeChanged(). */
  private readonly changed = new Set<string>();

  record(tenant: string | null, stage: string, at: Date | number): void {
    const minute = Math.floor(+at / MINUTE) * MINUTE;
    const key = `${tenant ?? '_none'} ${stage}`;
    const bucket = this.bucket(minute);
    bucket.set(key, (bucket.get(key) ?? 0) + 1);
    this.changed.add(`${minute} ${key}`);
  }

  /** Restores saved minutes (at boot); a count already higher in memory is kept. */
  load(rows: ThroughputRow[]): void {
    for (const row of rows) {
      const minute = Math.floor(row.minute.getTime() / MINUTE) * MINUTE;
      const bucket = this.bucket(minute);
      const key = `${row.tenant} ${row.stage}`;
      bucket.set(key, Math.max(bucket.get(key) ?? 0, row.count));
    }
  }

  /** The minutes counted since the last call, with their current totals, for saving. */
  takeChanged(): ThroughputRow[] {
    const rows: ThroughputRow[] = [];
    for (const entry of this.changed) {
      const [minute, tenant, stage] = entry.split(' ') as [string, string, string];
      const count = this.buckets.get(Number(minute))?.get(`${tenant} ${stage}`);
      if (count !== undefined) rows.push({ tenant, stage, minute: new Date(Number(minute)), count });
    }
    this.changed.clear();
    return rows;
  }

  /** Puts rows back after a failed save, so the next save includes them. */
  restoreChanged(rows: ThroughputRow[]): void {
    for (const row of rows) this.changed.add(`${row.minute.getTime()} ${row.tenant} ${row.stage}`);
  }

  /** The last `minutes` whole minutes up to `now`, oldest first, counts per stage for the given tenants. */
  series(now: number, canSee: (tenant: string) => boolean, minutes = CHART_MINUTES): ThroughputPoint[] {
    const current = Math.floor(now / MINUTE) * MINUTE;
    const points: ThroughputPoint[] = [];
    for (let m = current - (Math.min(minutes, KEEP_MINUTES) - 1) * MINUTE; m <= current; m += MINUTE) {
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

  /** Tenants with events in the last hour (the tiles). */
  tenants(now = Date.now()): string[] {
    const all = new Set<string>();
    for (const [minute, bucket] of this.buckets) {
      if (minute < now - CHART_MINUTES * MINUTE) continue;
      for (const key of bucket.keys()) all.add(key.split(' ')[0]!);
    }
    return [...all];
  }

  private bucket(minute: number): Map<string, number> {
    let bucket = this.buckets.get(minute);
    if (!bucket) {
      bucket = new Map();
      this.buckets.set(minute, bucket);
      this.prune(minute);
    }
    return bucket;
  }

  private prune(latest: number): void {
    for (const minute of this.buckets.keys()) if (minute <= latest - KEEP_MINUTES * MINUTE) this.buckets.delete(minute);
  }
}
