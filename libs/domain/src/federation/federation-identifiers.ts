import { createHmac, randomBytes } from 'node:crypto';

/**
 * Opaque identifiers: never built from name or civic number (Skolverket's rule), random, and
 * stored once by the identifier registry so a person keeps them for life.
 */
const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz';
export const MIN_EPPN_LOCAL_LENGTH = 6;
export const DEFAULT_EPPN_LOCAL_LENGTH = 8;
export const UNIQUE_ID_LOCAL_LENGTH = 20;

export type RandomBytes = (size: number) => Buffer;

/**
 * `length` base-36 characters from a cryptographic source, without modulo bias (bytes ≥ 252 are
 * drawn again). The first character is a letter so the value never looks like a number to the
 * spreadsheets and LDAP tools it passes through.
 */
export function generateBase36(length: number, random: RandomBytes = randomBytes): string {
  let out = '';
  while (out.length < length) {
    for (const byte of random(length * 2)) {
      if (byte >= 252) continue;
      const char = BASE36[byte % 36]!;
      if (out.length === 0 && char < 'a') continue;
      out += char;
      if (out.length === length) break;
    }
  }
  return out;
}

/** An opaque ePPN local part: at least 6 base-36 characters (8 by default: 36^8 ≈ 2.8·10^12). */
export function generateEppnLocalPart(length = DEFAULT_EPPN_LOCAL_LENGTH, random: RandomBytes = randomBytes): string {
  if (!Number.isInteger(length) || length < MIN_EPPN_LOCAL_LENGTH || length > 64) {
    throw new RangeError(`an ePPN local part has ${MIN_EPPN_LOCAL_LENGTH} to 64 characters, not ${length}`);
  }
  return generateBase36(length, random);
}

/** A fresh eduPersonUniqueId local part ([A-Za-z0-9]{1,64}); also used for subject-id. */
export function generateUniqueIdLocalPart(random: RandomBytes = randomBytes): string {
  return generateBase36(UNIQUE_ID_LOCAL_LENGTH, random);
}

/**
 * pairwise-id for one service provider: HMAC-SHA256 keyed with the tenant's secret over the
 * person's eduPersonUniqueId and the SP's entityID, in the pairwise-id syntax (lower-case base32
 * without padding, 52 characters, then `@scope`). Stable for a (person, SP) pair, different between
 * SPs, and not linkable without the secret.
 */
export function computePairwiseId(uniqueId: string, spEntityId: string, secret: string | Buffer, scope: string): string {
  if ((typeof secret === 'string' ? Buffer.byteLength(secret) : secret.length) < 16) {
    throw new RangeError('the pairwise-id secret must be at least 16 bytes');
  }
  // A separator that can appear in neither input keeps ("a", "bc") and ("ab", "c") apart.
  const digest = createHmac('sha256', secret).update(uniqueId.toLowerCase()).update('\u0000').update(spEntityId).digest();
  return `${toBase32(digest)}@${scope.toLowerCase()}`;
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

function toBase32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}
