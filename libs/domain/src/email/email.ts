/**
 * E-mail addresses from the register: trimmed, NFC, lower-cased, and checked to be a plausible
 * address (one @, a dotted domain, sane lengths). Invalid ones are reported, never thrown.
 */
export type Email = { valid: true; value: string } | { valid: false; problem: 'MISSING' | 'FORMAT' | 'TOO_LONG' };

// Local part: RFC 5322 dot-atom characters (no quoted strings — registers never need them).
const LOCAL = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^[a-z0-9\p{L}]([a-z0-9\p{L}-]{0,61}[a-z0-9\p{L}])?$/u;

export function normalizeEmail(raw: string | null | undefined): Email {
  if (raw == null) return { valid: false, problem: 'MISSING' };
  const value = String(raw).normalize('NFC').trim().toLocaleLowerCase('sv');
  if (value === '') return { valid: false, problem: 'MISSING' };
  if (value.length > 254) return { valid: false, problem: 'TOO_LONG' };
  const at = value.lastIndexOf('@');
  if (at <= 0 || value.indexOf('@') !== at) return { valid: false, problem: 'FORMAT' };
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (local.length > 64) return { valid: false, problem: 'TOO_LONG' };
  const labels = domain.split('.');
  if (!LOCAL.test(local) || labels.length < 2 || !labels.every((label) => LABEL.test(label)) || /^\d+$/.test(labels.at(-1)!)) {
    return { valid: false, problem: 'FORMAT' };
  }
  return { valid: true, value };
}

export interface RegisterEmail {
  value?: string | null;
  type?: string | null;
}

export interface NormalizedEmail {
  value: string;
  type: string;
}

/** Valid, distinct addresses in register order; the count of rejected ones is returned too. */
export function normalizeEmails(emails: readonly RegisterEmail[] | null | undefined): { emails: NormalizedEmail[]; invalid: number } {
  const seen = new Set<string>();
  const result: NormalizedEmail[] = [];
  let invalid = 0;
  for (const email of emails ?? []) {
    const parsed = normalizeEmail(email?.value);
    if (!parsed.valid) {
      invalid++;
      continue;
    }
    if (seen.has(parsed.value)) continue;
    seen.add(parsed.value);
    result.push({ value: parsed.value, type: email.type?.trim() || 'Okänd' });
  }
  return { emails: result, invalid };
}

/** SS 12000 Person.emails types the identity may publish, by the person's role. Privat never is. */
export const SCHOOL_EMAIL_TYPES = { student: 'Skola elev', staff: 'Skola personal', work: 'Arbete övrigt' } as const;

export type PublishedEmail = { email?: string; problem?: 'FORMAT' | 'TOO_LONG' | 'MISSING' };

/**
 * The one address to publish for a person: a pupil's school address first (a staff member's for
 * staff), then the other school type, then "Arbete övrigt"; register order within a type. A private
 * address (or one without a type) is never chosen: it is not the school's to hand to services.
 * `problem` names the first invalid school/work address, even when a later one was chosen.
 */
export function choosePublishedEmail(emails: readonly RegisterEmail[] | null | undefined, roles: { student: boolean; staff: boolean }): PublishedEmail {
  const order = roles.staff && !roles.student
    ? [SCHOOL_EMAIL_TYPES.staff, SCHOOL_EMAIL_TYPES.work, SCHOOL_EMAIL_TYPES.student]
    : [SCHOOL_EMAIL_TYPES.student, SCHOOL_EMAIL_TYPES.staff, SCHOOL_EMAIL_TYPES.work];
  const rank = (type: string | null | undefined) => order.findIndex((t) => t.localeCompare(type?.trim() ?? '', 'sv', { sensitivity: 'accent' }) === 0);
  let best: { email: string; rank: number } | undefined;
  let problem: PublishedEmail['problem'];
  for (const entry of emails ?? []) {
    const r = rank(entry?.type);
    if (r < 0) continue;
    const parsed = normalizeEmail(entry.value);
    if (!parsed.valid) {
      problem ??= parsed.problem;
      continue;
    }
    if (!best || r < best.rank) best = { email: parsed.value, rank: r };
  }
  return { ...(best ? { email: best.email } : {}), ...(problem ? { problem } : {}) };
}
