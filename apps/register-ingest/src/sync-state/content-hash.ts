import { createHash } from 'node:crypto';

/**
 * Canonical JSON: object keys sorted at every depth, arrays kept in order, undefined members left out.
 * Two records with the same content therefore hash the same whatever order the server wrote keys in.
 */
export function toCanonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value) ?? 'null';
  }
  // Loops and one growing string instead of filter/sort/map/join: every record of a full read is
  // hashed, and the intermediate arrays were most of the cost (and of the garbage).
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const item: unknown = value[i];
      out += item === undefined ? 'null' : toCanonicalJson(item);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  let out = '{';
  let first = true;
  for (const key of Object.keys(record).sort()) {
    const member = record[key];
    if (member === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += `${JSON.stringify(key)}:${toCanonicalJson(member)}`;
  }
  return `${out}}`;
}

/** sha256 (hex) of the canonical JSON of a record: equal hash = nothing to publish. */
export function hashContent(value: unknown): string {
  return createHash('sha256').update(toCanonicalJson(value)).digest('hex');
}
