// What a first password must satisfy before it is sent to AD: the domain's own policy (minPwdLength,
// and with the complexity flag AD's "3 of 5 character categories, no account or display name"), our
// own floor and strength rules, and nothing from the person's own names. Pure: no I/O.

/** The domain's password policy, as read from the domain root. */
export interface DomainPasswordPolicy {
  minLength: number;
  /** pwdProperties & DOMAIN_PASSWORD_COMPLEX. */
  complex: boolean;
}

/** The person the password is for (names as AD has them). */
export interface PasswordOwner {
  accountName: string;
  givenName?: string | null;
  sn?: string | null;
  displayName?: string | null;
}

export type PasswordProblem =
  | { code: 'mismatch' }
  | { code: 'too-short'; min: number }
  | { code: 'too-long'; max: number }
  | { code: 'too-common' }
  | { code: 'too-simple' }
  | { code: 'needs-variety' }
  | { code: 'ad-complexity' }
  | { code: 'contains-account-name' }
  | { code: 'contains-name' };

export const MAX_PASSWORD_LENGTH = 128;

// The most used passwords and words (Swedish and English) that length alone would let through; a
// password containing one of them plus a few digits is still one of the first things guessed.
const COMMON = [
  'password',
  'passw0rd',
  'lösenord',
  'losenord',
  'qwerty',
  'qwertz',
  'asdfgh',
  'zxcvbn',
  'azerty',
  'abc123',
  'iloveyou',
  'sommar',
  'vinter',
  'hejsan',
  'hejhej',
  'sverige',
  'fotboll',
  'hemligt',
  'skolan',
  'skola',
  'elev',
  'lärare',
  'larare',
  'monkey',
  'dragon',
  'football',
  'minecraft',
  'fortnite',
  'roblox',
  'pokemon',
  'princess',
  'sunshine',
  'welcome',
  'välkommen',
  'valkommen',
  'letmein',
  'admin',
  'master',
  'secret',
  'summer',
  'winter',
  'hello',
  'trustno1',
  'starwars',
  'superman',
  'batman',
  'charlie',
  'shadow',
  'killer',
  'jordan',
  'hunter',
  'ranger',
  'soccer',
  'hockey',
  'baseball',
  'computer',
  // The examples the page itself shows: someone will copy them.
  'blå-tåg-springer',
  'blue-train-running',
];
const KEYBOARD_ROWS = [
  '1234567890',
  'qwertyuiopå',
  'asdfghjklöä',
  'zxcvbnm',
  'abcdefghijklmnopqrstuvwxyzåäö',
];

/** Lower case without diacritics, so "Åsa" is found in "asa2024!". */
export function foldForComparison(value: string): string {
  return value.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

function characterClasses(password: string) {
  let upper = 0,
    lower = 0,
    digit = 0,
    special = 0,
    otherLetter = 0;
  for (const ch of password) {
    if (/[0-9]/.test(ch)) digit = 1;
    else if (/\p{Lu}/u.test(ch)) upper = 1;
    else if (/\p{Ll}/u.test(ch)) lower = 1;
    else if (/\p{L}/u.test(ch)) otherLetter = 1;
    else special = 1;
  }
  return { upper, lower, digit, special, otherLetter, count: upper + lower + digit + special + otherLetter };
}

/** One character repeated, or a run along the alphabet or a keyboard row (either way), give or take a few digits or symbols. */
function isTrivialPattern(folded: string): boolean {
  if (new Set(folded).size <= 2) return true;
  const core = folded.replace(/[^\p{L}\p{N}]/gu, '');
  const candidates = [core, core.replace(/\d{1,4}$/u, ''), core.replace(/^\d{1,4}/u, '')];
  return candidates.some(
    (candidate) =>
      candidate.length >= 4 &&
      candidate.length >= folded.length - 4 &&
      KEYBOARD_ROWS.some((row) => row.includes(candidate) || [...row].reverse().join('').includes(candidate)),
  );
}

function containsCommon(folded: string): boolean {
  const core = folded.replace(/[^\p{L}]/gu, '');
  return COMMON.some((word) => {
    const w = foldForComparison(word).replace(/[^\p{L}]/gu, '');
    // The whole password is a common word with decoration, e.g. "Sommar2024!".
    return core === w || (folded.includes(w) && core.length - w.length <= 2);
  });
}

/** Name parts of at least 3 characters, split where AD splits display names. */
function nameTokens(owner: PasswordOwner): string[] {
  const parts = [owner.givenName, owner.sn, owner.displayName]
    .filter((v): v is string => !!v)
    .flatMap((v) => foldForComparison(v).split(/[\s,.\-_#\t]+/u));
  return [...new Set(parts.filter((p) => p.length >= 3))];
}

/**
 * Every problem with `password` for `owner` under `policy` (empty = acceptable to send to AD). The
 * longer of the domain's and our own minimum applies.
 */
export function checkPassword(
  password: string,
  confirmation: string,
  owner: PasswordOwner,
  policy: DomainPasswordPolicy,
  ownMinLength: number,
): PasswordProblem[] {
  const problems: PasswordProblem[] = [];
  const min = Math.max(policy.minLength, ownMinLength);
  const length = [...password].length;
  if (password !== confirmation) problems.push({ code: 'mismatch' });
  if (length < min) problems.push({ code: 'too-short', min });
  if (length > MAX_PASSWORD_LENGTH) problems.push({ code: 'too-long', max: MAX_PASSWORD_LENGTH });
  const folded = foldForComparison(password);
  const account = foldForComparison(owner.accountName);
  if (account.length >= 3 && folded.includes(account)) problems.push({ code: 'contains-account-name' });
  if (nameTokens(owner).some((token) => folded.includes(token))) problems.push({ code: 'contains-name' });
  if (isTrivialPattern(folded)) problems.push({ code: 'too-simple' });
  else if (containsCommon(folded)) problems.push({ code: 'too-common' });
  const classes = characterClasses(password);
  if (policy.complex && classes.count < 3) problems.push({ code: 'ad-complexity' });
  // A long passphrase is strong with letters only; a shorter password needs some variety.
  else if (!policy.complex && length < 16 && classes.count < 2) problems.push({ code: 'needs-variety' });
  return problems;
}
