// Deterministic randomness for seeding: the same seed gives byte-identical registers on every
// machine. Ids are derived from a hash of (seed, tenant, kind, key), so they do not depend on the
// order things are generated in.
import { createHash } from 'node:crypto';

export class RandomSource {
  private state: number;

  constructor(seed: number | string) {
    this.state = typeof seed === 'number' ? seed >>> 0 : hashToInt(seed);
  }

  /** mulberry32: fast, 32-bit state, good enough for test data. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(min: number, maxInclusive: number): number {
    return min + Math.floor(this.next() * (maxInclusive - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** A child stream: independent of how many numbers this one has used since. */
  fork(label: string): RandomSource {
    return new RandomSource(hashToInt(`${this.state}:${label}`));
  }
}

export function hashToInt(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}

/** A stable RFC 4122-shaped (version 5 style) uuid for a name. */
export function stableUuid(...parts: (string | number)[]): string {
  const bytes = createHash('sha1').update(parts.join('\u0000')).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
