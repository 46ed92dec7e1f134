// Picks account names for a batch of new accounts at once (pure): each identity gets its first
// candidate that no other identity holds, in the reservation table or earlier in the same batch.
// Names compare in lower case, as AD compares sAMAccountNames.

export interface NameRequest {
  identityId: string;
  /** Best first. */
  candidates: ReadonlyArray<string>;
}

/**
 * `holders` maps a lower-case name to the identity holding its reservation. Returns the chosen name
 * per identity; an identity whose candidates are all taken is left out (the caller tries further).
 */
export function assignAccountNames(requests: ReadonlyArray<NameRequest>, holders: ReadonlyMap<string, string>): Map<string, string> {
  const chosen = new Map<string, string>();
  const takenInBatch = new Set<string>();
  for (const { identityId, candidates } of requests) {
    if (chosen.has(identityId)) continue;
    for (const name of candidates) {
      const lower = name.toLowerCase();
      const holder = holders.get(lower);
      if ((holder !== undefined && holder !== identityId) || takenInBatch.has(lower)) continue;
      chosen.set(identityId, name);
      takenInBatch.add(lower);
      break;
    }
  }
  return chosen;
}
