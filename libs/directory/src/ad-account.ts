// AD account attribute encodings: userAccountControl flags, the quoted UTF-16LE unicodePwd, and a
// random password that satisfies AD's default complexity policy.
import { randomInt } from 'node:crypto';

export const UAC_ACCOUNTDISABLE = 0x0002;
export const UAC_NORMAL_ACCOUNT = 0x0200;
export const UAC_DONT_EXPIRE_PASSWORD = 0x10000;
/** userAccountControl of an enabled normal account (512). */
export const UAC_ENABLED = String(UAC_NORMAL_ACCOUNT);
/** userAccountControl of a disabled normal account (514). */
export const UAC_DISABLED = String(UAC_NORMAL_ACCOUNT | UAC_ACCOUNTDISABLE);
/** groupType of a global security group. */
export const GROUP_TYPE_GLOBAL_SECURITY = String(0x80000002 | 0);

export function isAccountDisabled(userAccountControl: string | number | undefined): boolean {
  const n = Number(userAccountControl ?? 0);
  return (n & UAC_ACCOUNTDISABLE) !== 0;
}

/** AD takes a new password only as the UTF-16LE bytes of the password in double quotes. */
export function toUnicodePwd(password: string): Buffer {
  return Buffer.from(`"${password}"`, 'utf16le');
}

const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const DIGITS = '23456789';
const SYMBOLS = '!#%+-=?@_~';

/**
 * A random password (crypto RNG) with all four character classes; never stored or logged by the
 * callers, only sent once in the add that creates the account.
 */
export function generateStrongPassword(length = 24): string {
  if (length < 12) throw new Error('passwords shorter than 12 characters are not strong');
  const all = LOWER + UPPER + DIGITS + SYMBOLS;
  const chars = [LOWER, UPPER, DIGITS, SYMBOLS].map((set) => set[randomInt(set.length)]!);
  while (chars.length < length) chars.push(all[randomInt(all.length)]!);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}
