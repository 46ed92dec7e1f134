// Account names (sAMAccountName) for Active Directory: derived from a per-tenant pattern, always
// within AD's 20-character limit and the characters [a-z0-9.-], and offered as a deterministic
// sequence of candidates so the provisioner can take the first one that is free in AD and in its
// reservation table. Pure: no I/O; uniqueness is the caller's question, asked per candidate.
import { transliterate } from 'transliteration';

/** AD's limit for sAMAccountName (the pre-Windows 2000 logon name). */
export const MAX_ACCOUNT_NAME_LENGTH = 20;

/** Names that must never be handed to a person, whatever the pattern yields (compared lowercased). */
export const DEFAULT_RESERVED_ACCOUNT_NAMES: readonly string[] = [
  'administrator',
  'admin',
  'guest',
  'krbtgt',
  'root',
  'system',
  'service',
  'support',
  'helpdesk',
  'postmaster',
  'webmaster',
  'hostmaster',
  'abuse',
  'security',
  'noreply',
  'no-reply',
  'domain',
  'users',
  'everyone',
  'test',
];

export interface AccountNamePolicy {
  /**
   * Tokens: `{first}`, `{last}`, `{first:N}`, `{last:N}` (first N characters), `{n}`, `{nn}`, `{nnn}`…
   * (a sequence number, zero-padded to that width, that counts collisions). Anything else must be
   * literal characters from [a-z0-9.-]. Example pupils `{first:3}{last:3}{nn}`, staff `{first}.{last}`.
   */
  pattern: string;
  /** Extra names never to hand out (on top of {@link DEFAULT_RESERVED_ACCOUNT_NAMES}). */
  reserved?: readonly string[];
}

export interface AccountNameSource {
  givenName: string;
  familyName: string;
}

type PatternPart =
  | { kind: 'literal'; text: string }
  | { kind: 'name'; field: 'first' | 'last'; take?: number }
  | { kind: 'number'; width: number };

export class InvalidAccountNamePatternError extends Error {
  constructor(
    readonly pattern: string,
    reason: string,
  ) {
    super(`invalid account name pattern ${JSON.stringify(pattern)}: ${reason}`);
    this.name = 'InvalidAccountNamePatternError';
  }
}

const SWEDISH_AND_NEIGHBOURS: Record<string, string> = {
  å: 'a',
  ä: 'a',
  ö: 'o',
  é: 'e',
  è: 'e',
  ü: 'u',
  ß: 'ss',
  æ: 'ae',
  ø: 'o',
};

/**
 * Lowercase ASCII in [a-z0-9.-] for one name: the Nordic/German letters by the fixed table, other
 * scripts through the transliteration library; spaces, apostrophes and other signs are dropped.
 */
export function toAccountNameChars(text: string): string {
  const lowered = text.normalize('NFC').toLowerCase();
  let mapped = '';
  for (const ch of lowered) mapped += SWEDISH_AND_NEIGHBOURS[ch] ?? ch;
  const ascii = transliterate(mapped, { unknown: '' }).toLowerCase();
  return ascii
    .replace(/[\s_]+/g, '')
    .replace(/[^a-z0-9.-]/g, '')
    .replace(/([.-])[.-]+/g, '$1')
    .replace(/^[.-]+|[.-]+$/g, '');
}

/** Parses and validates a pattern; throws {@link InvalidAccountNamePatternError} naming the problem. */
export function parseAccountNamePattern(pattern: string): PatternPart[] {
  const parts: PatternPart[] = [];
  const re = /\{([^{}]*)\}|([^{}]+)|([{}])/g;
  let numberTokens = 0;
  for (const m of pattern.matchAll(re)) {
    if (m[3]) throw new InvalidAccountNamePatternError(pattern, `unbalanced '${m[3]}'`);
    if (m[2] !== undefined) {
      if (!/^[a-z0-9.-]+$/.test(m[2])) {
        throw new InvalidAccountNamePatternError(pattern, `literal ${JSON.stringify(m[2])} has characters outside [a-z0-9.-]`);
      }
      parts.push({ kind: 'literal', text: m[2] });
      continue;
    }
    const token = m[1]!;
    const name = /^(first|last)(?::([1-9][0-9]?))?$/.exec(token);
    if (name) {
      parts.push({ kind: 'name', field: name[1] as 'first' | 'last', take: name[2] ? Number(name[2]) : undefined });
    } else if (/^n{1,4}$/.test(token)) {
      numberTokens += 1;
      parts.push({ kind: 'number', width: token.length });
    } else {
      throw new InvalidAccountNamePatternError(pattern, `unknown token {${token}}`);
    }
  }
  if (!parts.some((p) => p.kind === 'name')) {
    throw new InvalidAccountNamePatternError(pattern, 'needs {first} or {last}');
  }
  if (numberTokens > 1) throw new InvalidAccountNamePatternError(pattern, 'at most one sequence number token');
  const fixed = parts.reduce((n, p) => n + (p.kind === 'literal' ? p.text.length : p.kind === 'number' ? p.width : 0), 0);
  if (fixed > MAX_ACCOUNT_NAME_LENGTH - 6) {
    throw new InvalidAccountNamePatternError(pattern, 'literals and numbers leave too little room for the name');
  }
  return parts;
}

function renderCandidate(parts: PatternPart[], names: { first: string; last: string }, index: number): string {
  // index 0 = the plain name; a pattern without a number token gets the counter appended (2, 3, …)
  // only from the second candidate on, like "anna.svensson", "anna.svensson2".
  const hasNumber = parts.some((p) => p.kind === 'number');
  const suffix = hasNumber || index === 0 ? '' : String(index + 1);
  const values = parts.map((p) => {
    if (p.kind === 'literal') return p.text;
    if (p.kind === 'number') return String(index + 1).padStart(p.width, '0');
    const full = names[p.field];
    return p.take === undefined ? full : full.slice(0, p.take);
  });
  // Shorten the longest name part, one character at a time, until the whole fits; literals and the
  // counter keep their length so that distinct counters stay distinct names.
  const fixedLength = parts.reduce((n, p, i) => n + (p.kind === 'name' ? 0 : values[i]!.length), 0) + suffix.length;
  const budget = MAX_ACCOUNT_NAME_LENGTH - fixedLength;
  const nameIdx = parts.map((p, i) => (p.kind === 'name' ? i : -1)).filter((i) => i >= 0);
  let total = nameIdx.reduce((n, i) => n + values[i]!.length, 0);
  while (total > budget) {
    let longest = nameIdx[0]!;
    for (const i of nameIdx) if (values[i]!.length > values[longest]!.length) longest = i;
    values[longest] = values[longest]!.slice(0, -1);
    total -= 1;
  }
  return tidy(values.join('') + suffix);
}

/** A name part that starts with a letter, so no candidate is all digits or empty. */
function toNamePart(name: string): string {
  const chars = toAccountNameChars(name);
  return /^[a-z]/.test(chars) ? chars : `x${chars}`;
}

function tidy(name: string): string {
  return name.replace(/([.-])[.-]+/g, '$1').replace(/^[.-]+|[.-]+$/g, '');
}

/**
 * The candidate account names for a person, best first, deterministic for the same input; every
 * candidate is at most 20 characters of [a-z0-9.-], lowercase, and none is reserved. The sequence is
 * unbounded only in principle: callers stop at the first free one (and should cap their attempts).
 */
export function* generateAccountNameCandidates(
  policy: AccountNamePolicy,
  source: AccountNameSource,
): Generator<string, never, undefined> {
  const parts = parseAccountNamePattern(policy.pattern);
  const reserved = new Set([...DEFAULT_RESERVED_ACCOUNT_NAMES, ...(policy.reserved ?? [])].map((r) => r.toLowerCase()));
  const names = { first: toNamePart(source.givenName), last: toNamePart(source.familyName) };
  const seen = new Set<string>();
  for (let index = 0; ; index++) {
    const candidate = renderCandidate(parts, names, index);
    if (reserved.has(candidate) || seen.has(candidate)) continue;
    seen.add(candidate);
    yield candidate;
  }
}

/** The first `count` candidates (convenience for batch planning and tests). */
export function takeAccountNameCandidates(policy: AccountNamePolicy, source: AccountNameSource, count: number): string[] {
  const out: string[] = [];
  const it = generateAccountNameCandidates(policy, source);
  while (out.length < count) out.push(it.next().value);
  return out;
}

/**
 * The first candidate that `isTaken` does not claim (asked with the lowercased name, so the caller's
 * check is case-insensitive by construction). Throws after `maxAttempts` candidates.
 */
export function chooseAccountName(
  policy: AccountNamePolicy,
  source: AccountNameSource,
  isTaken: (lowercasedName: string) => boolean,
  maxAttempts = 1000,
): string {
  const it = generateAccountNameCandidates(policy, source);
  for (let i = 0; i < maxAttempts; i++) {
    const candidate = it.next().value;
    if (!isTaken(candidate)) return candidate;
  }
  throw new Error(`no free account name after ${maxAttempts} candidates for pattern ${policy.pattern}`);
}

/** userPrincipalName for an account name within a tenant's UPN suffix. */
export function toUserPrincipalName(accountName: string, upnSuffix: string): string {
  return `${accountName}@${upnSuffix.replace(/^@/, '')}`;
}
