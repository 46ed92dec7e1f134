// RFC 4514 distinguished names: escaping values for RDNs, parsing DNs back into their parts, and
// the containment test the provisioner uses to guard every write to a tenant's own subtree.

export interface RdnPart {
  /** Attribute type as written (compare case-insensitively). */
  type: string;
  /** The unescaped value. */
  value: string;
}
/** One RDN; several parts for multi-valued RDNs (`CN=a+UID=b`). */
export type Rdn = RdnPart[];

const HEX = '0123456789ABCDEF';

/** Escapes a string for use as an attribute value in a DN (RFC 4514 section 2.4). */
export function escapeDnValue(value: string): string {
  let out = '';
  const chars = Array.from(value);
  chars.forEach((ch, i) => {
    if (ch === '\u0000') out += '\\00';
    else if (ch === '\\') out += '\\5C'; // hex, so no escaped comma is ever preceded by a bare backslash
    else if (',+"<>;='.includes(ch)) out += `\\${ch}`;
    else if (i === 0 && (ch === ' ' || ch === '#')) out += `\\${ch}`;
    else if (i === chars.length - 1 && ch === ' ') out += '\\ ';
    else if (ch.charCodeAt(0) < 0x20 || ch === '\u007f') out += `\\${HEX[ch.charCodeAt(0) >> 4]}${HEX[ch.charCodeAt(0) & 15]}`;
    else out += ch;
  });
  return out;
}

/** `type=escaped(value)` */
export function formatRdn(type: string, value: string): string {
  if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(type)) throw new Error(`invalid RDN attribute type ${JSON.stringify(type)}`);
  return `${type}=${escapeDnValue(value)}`;
}

/** The DN of a child entry: `type=value,parent`. */
export function childDn(type: string, value: string, parentDn: string): string {
  return `${formatRdn(type, value)},${parentDn}`;
}

export class InvalidDnError extends Error {
  constructor(dn: string, reason: string) {
    super(`invalid DN (${reason}): ${JSON.stringify(dn.length > 200 ? `${dn.slice(0, 200)}…` : dn)}`);
    this.name = 'InvalidDnError';
  }
}

/** Parses a string DN into RDNs (leftmost first) with unescaped values. Throws {@link InvalidDnError}. */
export function parseDn(dn: string): Rdn[] {
  if (dn.trim() === '') return [];
  const rdns: Rdn[] = [];
  let current: Rdn = [];
  let i = 0;
  const n = dn.length;
  while (i < n) {
    while (i < n && dn[i] === ' ') i++;
    const typeStart = i;
    while (i < n && dn[i] !== '=') i++;
    if (i >= n) throw new InvalidDnError(dn, 'missing =');
    const type = dn.slice(typeStart, i).trim();
    if (!/^([A-Za-z][A-Za-z0-9-]*|[0-9]+(\.[0-9]+)*)$/.test(type)) throw new InvalidDnError(dn, `bad attribute type ${JSON.stringify(type)}`);
    i++; // '='
    while (i < n && dn[i] === ' ') i++; // unescaped leading spaces are not part of the value
    const bytes: number[] = [];
    let lastSignificant = 0; // bytes length up to the last escaped or non-space char
    while (i < n && dn[i] !== ',' && dn[i] !== '+' && dn[i] !== ';') {
      const ch = dn[i]!;
      if (ch === '\\') {
        const next = dn[i + 1];
        if (next === undefined) throw new InvalidDnError(dn, 'dangling backslash');
        if (/[0-9A-Fa-f]/.test(next) && /[0-9A-Fa-f]/.test(dn[i + 2] ?? '')) {
          bytes.push(parseInt(dn.slice(i + 1, i + 3), 16));
          i += 3;
        } else {
          bytes.push(...Buffer.from(next, 'utf8'));
          i += 2;
        }
        lastSignificant = bytes.length;
        continue;
      }
      if (ch === '"' || ch === '<' || ch === '>') {
        throw new InvalidDnError(dn, `unescaped ${ch}`);
      }
      const cp = dn.codePointAt(i)!;
      const s = String.fromCodePoint(cp);
      bytes.push(...Buffer.from(s, 'utf8'));
      if (s !== ' ') lastSignificant = bytes.length;
      i += s.length;
    }
    // Unescaped trailing spaces are not part of the value; leading ones were skipped above only
    // before the type, so skip them here too.
    const value = Buffer.from(bytes.slice(0, lastSignificant)).toString('utf8');
    current.push({ type, value });
    if (i < n && dn[i] === '+') {
      i++;
      continue;
    }
    rdns.push(current);
    current = [];
    if (i < n) i++; // ',' or ';'
  }
  if (current.length > 0) rdns.push(current);
  return rdns;
}

/** Re-serializes parsed RDNs in a canonical form (types upper-cased, values escaped). */
export function formatDn(rdns: Rdn[]): string {
  return rdns.map((rdn) => rdn.map((p) => `${p.type.toUpperCase()}=${escapeDnValue(p.value)}`).join('+')).join(',');
}

/** Canonical comparison key: types and values compared case-insensitively, as AD does for names. */
export function normalizeDn(dn: string): string {
  return memoized(normalizedCache, dn, normalizeUncached);
}

function normalizeUncached(dn: string): string {
  return parseDn(dn)
    .map((rdn) =>
      rdn
        .map((p) => `${p.type.toLowerCase()}=${escapeDnValue(p.value.normalize('NFC').toLowerCase())}`)
        .sort()
        .join('+'),
    )
    .join(',');
}

/** True when `dn` is `baseDn` itself or below it (comparing parsed RDNs, never string suffixes). */
export function isDnWithin(dn: string, baseDn: string, options: { allowSelf?: boolean } = {}): boolean {
  const inner = rdnKeys(dn);
  const outer = rdnKeys(baseDn);
  if (!inner || !outer || inner.length === 0 || outer.length === 0) return false;
  if (inner.length < outer.length) return false;
  if (inner.length === outer.length && !(options.allowSelf ?? true)) return false;
  const offset = inner.length - outer.length;
  return outer.every((key, idx) => inner[offset + idx] === key);
}

function rdnKeys(dn: string): string[] | null {
  return memoized(rdnKeysCache, dn, rdnKeysUncached);
}

// The same few DNs (a tenant's OUs, its groups) are compared and normalized for every account of
// every batch; parsing them each time was a visible share of the provisioner's CPU. Pure functions
// of the string, so a bounded cache (emptied when full) is safe.
const CACHE_LIMIT = 20_000;
const normalizedCache = new Map<string, string>();
const rdnKeysCache = new Map<string, string[] | null>();

function memoized<T>(cache: Map<string, T>, key: string, compute: (key: string) => T): T {
  const hit = cache.get(key);
  if (hit !== undefined || cache.has(key)) return hit as T;
  const value = compute(key);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

function rdnKeysUncached(dn: string): string[] | null {
  try {
    return parseDn(dn).map((rdn) =>
      rdn
        .map((p) => `${p.type.toLowerCase()}=${JSON.stringify(p.value.normalize('NFC').toLowerCase())}`)
        .sort()
        .join('+'),
    );
  } catch {
    return null;
  }
}

/** The parent DN (everything after the first RDN), re-serialized canonically. */
export function parentDn(dn: string): string {
  return formatDn(parseDn(dn).slice(1));
}

/** The unescaped value of the first RDN (e.g. the CN of a user). */
export function firstRdnValue(dn: string): string {
  const [first] = parseDn(dn);
  if (!first || first.length === 0) throw new InvalidDnError(dn, 'empty');
  return first[0]!.value;
}
