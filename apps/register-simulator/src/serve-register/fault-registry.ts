// Faults tests switch on through the admin API, to make this register misbehave the ways real
// ones do: a failing page, rate limiting, slow answers, page tokens forever, a repeated token,
// inclusive `.after`, a body that is not JSON. In memory only: a restart clears them.
import { randomUUID } from 'node:crypto';

export const FAULT_KINDS = [
  'status',
  'rateLimit',
  'delay',
  'endlessTokens',
  'repeatToken',
  'inclusiveAfter',
  'invalidJson',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultSpec {
  kind: FaultKind;
  /** Only this tenant (default: all). */
  tenant?: string;
  /** persons, organisations, groups, duties, deletedEntities (default: all lists). */
  entity?: string;
  /** Only this page number (1-based; default: every page). */
  page?: number;
  /** status: the HTTP status to answer (default 500). */
  status?: number;
  /** rateLimit: Retry-After seconds (default 1). */
  retryAfterSeconds?: number;
  /** delay: milliseconds before answering. */
  delayMs?: number;
  /** How many requests it affects; status and rateLimit default to 1, the others to unlimited. */
  times?: number;
}

export interface Fault extends FaultSpec {
  id: string;
  /** Requests it has affected so far. */
  hits: number;
}

export class FaultRegistry {
  private faults: Fault[] = [];

  add(spec: FaultSpec): Fault {
    const once = spec.kind === 'status' || spec.kind === 'rateLimit';
    const fault: Fault = { ...spec, times: spec.times ?? (once ? 1 : undefined), id: randomUUID(), hits: 0 };
    this.faults.push(fault);
    return fault;
  }

  list(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  clear(): number {
    const n = this.faults.length;
    this.faults = [];
    return n;
  }

  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    return this.faults.length < before;
  }

  /** The faults that apply to this request; each one counted as used. */
  take(tenant: string, entity: string, page: number): Fault[] {
    const hit: Fault[] = [];
    for (const f of this.faults) {
      if (f.tenant !== undefined && f.tenant !== tenant) continue;
      if (f.entity !== undefined && f.entity !== entity) continue;
      if (f.page !== undefined && f.page !== page) continue;
      if (f.times !== undefined && f.hits >= f.times) continue;
      f.hits++;
      hit.push({ ...f });
    }
    return hit;
  }
}
