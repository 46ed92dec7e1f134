// A full read of a large register (a municipality's first load) produces thousands of changes in
// seconds, while the directory takes minutes to write them. Without a limit the whole pipeline works
// through all of them at once: on a shared machine that starves the directory of CPU, and a change
// made meanwhile waits behind everything. So a full read only goes on while the events it caused
// are being worked off: it waits while more than `maxBacklog` events are still in its outbox or not
// yet acknowledged by the slowest durable consumer of each stage downstream. Delta pulls never wait.
// A consumer that does not work at all (its app is down, or a consumer nobody reads any more) must
// not stop the register from being read: when no consumer has acknowledged anything for `stallMs`,
// the gate stops waiting until the backlog is under the limit again.
import { setTimeout as sleep } from 'node:timers/promises';
import type { MessagingConnection } from '@skolkonto/messaging';

export interface Backlog {
  /** Events not yet worked off downstream. */
  events: number;
  /** A count that grows whenever a consumer downstream acknowledges something. */
  acknowledged: number;
}

export type BacklogMeasure = () => Promise<Backlog>;

export interface PipelineBacklogOptions {
  /** Wait while the backlog is above this; 0 turns the gate off. */
  maxBacklog: number;
  /** Stop waiting when nothing was acknowledged downstream for this long. */
  stallMs: number;
  /** How often the backlog is measured while waiting (one measurement serves every tenant's read). */
  pollMs: number;
  /** Told when the backlog cannot be measured (reads then go on), at most once per stall time. */
  onUnmeasurable?: (error: unknown) => void;
}

export interface GateWait {
  /** How long the caller waited. */
  waitedMs: number;
  /** The backlog (events) when the caller went on. */
  backlog: number;
  /** The caller went on because nothing was worked off (not because the backlog was under the limit). */
  stalled: boolean;
  /** To call once the records are committed (or given up): measurements started after it see them. */
  settle(): void;
}

export interface GateClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const REAL_CLOCK: GateClock = { now: () => performance.now(), sleep: (ms) => sleep(ms) };

export class PipelineBacklogGate {
  private measured?: { at: number; value: Promise<Backlog> };
  /** The last acknowledged count seen to grow while waiting, and when. */
  private lastProgress?: { acknowledged: number; at: number };
  private stalled = false;
  /** Records let through and not yet committed: no measurement can see them yet. */
  private uncommitted = 0;
  /** Records committed since the current measurement started: it may not see them. */
  private settledSinceMeasured = 0;
  private lastReported?: number;

  constructor(
    private readonly measure: BacklogMeasure,
    readonly options: PipelineBacklogOptions,
    private readonly clock: GateClock = REAL_CLOCK,
  ) {
    if (!Number.isInteger(options.maxBacklog) || options.maxBacklog < 0) throw new Error('maxBacklog must be a non-negative integer');
    if (!(options.stallMs > 0) || !(options.pollMs > 0)) throw new Error('stallMs and pollMs must be positive');
  }

  get enabled(): boolean {
    return this.options.maxBacklog > 0;
  }

  /**
   * Resolves once `records` more fit under `maxBacklog` (or the backlog is empty, so a step larger
   * than the limit still goes), or at once while the pipeline is stalled. What it lets through
   * counts as backlog until a measurement can see it, so tenants' reads waiting at the same time do
   * not all go on at once on one low measurement. A backlog that cannot be measured (NATS away) does
   * not hold the read: the outbox keeps what it writes until it can be published, so nothing is lost.
   */
  async waitForRoom(records: number): Promise<GateWait> {
    const started = this.clock.now();
    if (!this.enabled) return { waitedMs: 0, backlog: 0, stalled: false, settle: () => undefined };
    for (;;) {
      const measured = await this.current().catch((error: unknown) => {
        this.reportUnmeasurable(error);
        return undefined;
      });
      const now = this.clock.now();
      const backlog = (measured?.events ?? 0) + this.uncommitted + this.settledSinceMeasured;
      if (!measured || backlog === 0 || backlog + records <= this.options.maxBacklog) {
        this.lastProgress = undefined;
        this.stalled = false;
        return { waitedMs: now - started, backlog, stalled: false, settle: this.admit(records) };
      }
      if (!this.lastProgress || measured.acknowledged > this.lastProgress.acknowledged) {
        this.lastProgress = { acknowledged: measured.acknowledged, at: now };
      }
      if (!this.stalled && now - this.lastProgress.at >= this.options.stallMs) this.stalled = true;
      if (this.stalled) return { waitedMs: now - started, backlog, stalled: true, settle: this.admit(records) };
      await this.clock.sleep(this.options.pollMs);
    }
  }

  private reportUnmeasurable(error: unknown): void {
    const now = this.clock.now();
    if (this.lastReported !== undefined && now - this.lastReported < this.options.stallMs) return;
    this.lastReported = now;
    this.options.onUnmeasurable?.(error);
  }

  private admit(records: number): () => void {
    this.uncommitted += records;
    let settled = false;
    return () => {
      if (settled) return;
      settled = true;
      this.uncommitted -= records;
      this.settledSinceMeasured += records;
    };
  }

  /** One measurement per poll interval, shared by every tenant's read waiting at the same time. */
  private current(): Promise<Backlog> {
    const now = this.clock.now();
    if (!this.measured || now - this.measured.at >= this.options.pollMs) {
      const value = this.measure();
      value.catch(() => undefined);
      this.measured = { at: now, value };
      this.settledSinceMeasured = 0;
    }
    return this.measured.value;
  }
}

/**
 * The backlog downstream: events still in our outbox (written, not yet published) plus, for each of
 * these streams in turn, the largest number a durable consumer of it has not acknowledged (waiting to
 * be delivered, or delivered and unacknowledged). The streams are stages one after the other (the
 * normalizer reads REGISTER, the provisioner IDENTITY), so their backlogs add up; consumers of one
 * stream work side by side, so the slowest counts. Also how many deliveries all of them have
 * acknowledged. A stream that does not exist counts nothing.
 */
export function pipelineBacklog(unpublished: () => Promise<number>, jsm: MessagingConnection['jsm'], streams: readonly string[]): BacklogMeasure {
  return async () => {
    let events = await unpublished();
    let acknowledged = 0;
    for (const stream of streams) {
      let slowest = 0;
      try {
        for await (const info of jsm.consumers.list(stream)) {
          if (!info.config.durable_name) continue;
          slowest = Math.max(slowest, info.num_pending + info.num_ack_pending);
          acknowledged += info.delivered.consumer_seq - info.num_ack_pending;
        }
      } catch (error) {
        if (!isStreamNotFound(error)) throw error;
      }
      events += slowest;
    }
    return { events, acknowledged };
  };
}

function isStreamNotFound(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /stream not found/i.test(message);
}
