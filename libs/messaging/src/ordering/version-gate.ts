// The contract for "an older version never overwrites a newer one". Handlers keep the last applied
// version per key next to their own data (ideally in the same transaction as the change, e.g.
// `UPDATE … SET version = $v WHERE id = $id AND version < $v`) and ask the gate before applying.

export interface VersionStore {
  /** Highest version applied for the key, undefined when none. */
  get(key: string): Promise<number | undefined>;
  /** Records `version` for the key; must not lower it. */
  set(key: string, version: number): Promise<void>;
}

export type VersionDecision = 'apply' | 'stale' | 'duplicate';

/** apply when newer than the last applied, duplicate when equal, stale when older. */
export function decideVersion(lastApplied: number | undefined, incoming: number): VersionDecision {
  if (lastApplied === undefined || incoming > lastApplied) return 'apply';
  return incoming === lastApplied ? 'duplicate' : 'stale';
}

/**
 * Runs `apply` only for a version newer than the last applied one, then records it. Returns the
 * decision so the handler can log/count stale events. Per-key ordering in the transport makes the
 * get→apply→set sequence race-free within one consumer; across consumers use a DB conditional update.
 */
export async function applyIfNewer(
  store: VersionStore,
  key: string,
  version: number,
  apply: () => Promise<void>,
): Promise<VersionDecision> {
  const decision = decideVersion(await store.get(key), version);
  if (decision !== 'apply') return decision;
  await apply();
  await store.set(key, version);
  return decision;
}

/** A VersionStore in memory (tests, caches). */
export class InMemoryVersionStore implements VersionStore {
  private readonly versions = new Map<string, number>();

  async get(key: string): Promise<number | undefined> {
    return this.versions.get(key);
  }

  async set(key: string, version: number): Promise<void> {
    this.versions.set(key, Math.max(version, this.versions.get(key) ?? 0));
  }
}
