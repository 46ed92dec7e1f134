import { isValidDate, type LocalDate } from '../clock/clock';

/**
 * Swedish civic numbers (personnummer, samordningsnummer) as SS 12000 carries them: 12 digits,
 * YYYYMMDDNNNC. The check digit C is the Luhn digit over the last ten digits (YYMMDDNNN). A
 * samordningsnummer adds 60 to the day. Bad numbers are reported, never thrown: a person with a
 * broken civic number is still a person the school needs an account for.
 */
export type CivicNumberKind = 'personnummer' | 'samordningsnummer';
export type CivicNumberProblem = 'MISSING' | 'FORMAT' | 'TEMPORARY' | 'CHECK_DIGIT' | 'DATE';

export type CivicNumber =
  | { valid: true; value: string; kind: CivicNumberKind; birthDate: LocalDate }
  | { valid: false; problem: CivicNumberProblem };

/** Parses a civic number; tolerates spaces and one `-`/`+` separator before the last four digits. */
export function parseCivicNumber(raw: string | null | undefined): CivicNumber {
  if (raw == null || String(raw).trim() === '') return { valid: false, problem: 'MISSING' };
  const compact = String(raw).replace(/\s+/g, '').replace(/^(\d{8})[-+](\w{4})$/, '$1$2');
  if (!/^\d{12}$/.test(compact)) {
    // Some registers hand out temporary numbers with letters in the serial part (e.g. 20150101TF12).
    return { valid: false, problem: /^\d{8}[A-Za-z0-9]{4}$/.test(compact) ? 'TEMPORARY' : 'FORMAT' };
  }
  const year = Number(compact.slice(0, 4));
  const month = Number(compact.slice(4, 6));
  const rawDay = Number(compact.slice(6, 8));
  const kind: CivicNumberKind = rawDay > 60 ? 'samordningsnummer' : 'personnummer';
  const day = kind === 'samordningsnummer' ? rawDay - 60 : rawDay;
  if (!isValidDate(year, month, day)) return { valid: false, problem: 'DATE' };
  if (luhnCheckDigit(compact.slice(2, 11)) !== Number(compact[11])) return { valid: false, problem: 'CHECK_DIGIT' };
  const birthDate = `${compact.slice(0, 4)}-${compact.slice(4, 6)}-${String(day).padStart(2, '0')}`;
  return { valid: true, value: compact, kind, birthDate };
}

/** The Luhn check digit for a string of digits (weights 2,1,2,1… from the left for nine digits). */
export function luhnCheckDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    // Weight 2 on the digit positions that end up doubled when the check digit is appended.
    let n = Number(digits[i]) * ((digits.length - i) % 2 === 1 ? 2 : 1);
    if (n > 9) n -= 9;
    sum += n;
  }
  return (10 - (sum % 10)) % 10;
}

/**
 * A civic number safe to show on a screen: the birth date part and a masked serial,
 * `YYYYMMDD-****`. Anything that does not look like a civic number is masked completely.
 */
export function maskCivicNumber(raw: string | null | undefined): string {
  if (raw == null) return '';
  const compact = String(raw).replace(/\s+/g, '').replace(/^(\d{8})[-+](\w{4})$/, '$1$2');
  if (/^\d{8}\w{4}$/.test(compact)) return `${compact.slice(0, 8)}-****`;
  return '*'.repeat(Math.min(compact.length, 13));
}
