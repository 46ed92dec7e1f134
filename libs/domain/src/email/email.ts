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
