// The claim code a person types: 10 characters from an alphabet without the look-alikes 0/O, 1/I/L,
// shown as XXXXX-XXXXX. Crypto-random (rejection-free: randomInt is uniform), ~49.5 bits, which with
// argon2 hashing, a per-account lockout and rate limits is far beyond guessing.
import { randomInt } from 'node:crypto';

export const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const CODE_LENGTH = 10;
const GROUP = 5;

/** A new code in its canonical form (no separator, upper case). */
export function generateClaimCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

/** XXXXX-XXXXX for printing and showing. */
export function formatClaimCode(code: string): string {
  return `${code.slice(0, GROUP)}-${code.slice(GROUP)}`;
}

/**
 * What a person typed → the canonical form, or undefined when it cannot be a code. Case, spaces and
 * dashes do not matter; a character outside the alphabet makes it no code (the caller still spends
 * the same time verifying, so the answer does not reveal that).
 */
export function normalizeClaimCode(input: string): string | undefined {
  const compact = input
    .normalize('NFKC')
    .replace(/[\s\-‐‑–—_.]/g, '')
    .toUpperCase();
  if (compact.length !== CODE_LENGTH) return undefined;
  for (const ch of compact) if (!CODE_ALPHABET.includes(ch)) return undefined;
  return compact;
}
