// Shape checks for Swedish civic numbers as SS 12000 carries them (12 characters, no separator).
// These functions return booleans only; callers must never echo the value into messages or logs.

/** Luhn check digit over the 9 digits YYMMDDNNN (the last 10 digits minus the check digit). */
export function computeLuhnCheckDigit(nineDigits: string): number {
  let sum = 0;
  for (let i = 0; i < nineDigits.length; i++) {
    let d = nineDigits.charCodeAt(i) - 48;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

function isValidDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= days;
}

export type CivicNoKind = 'personnummer' | 'samordningsnummer' | 'temporary';

/**
 * Classifies a 12-character civic number, or returns undefined when it has no valid shape.
 * - personnummer: YYYYMMDDNNNC with a real date and a correct Luhn digit;
 * - samordningsnummer: the same with day + 60;
 * - temporary: a real date followed by four characters with at least one letter (some registers
 *   issue these before the Tax Agency has assigned a number); no check digit to verify.
 */
export function classifyCivicNo(value: unknown): CivicNoKind | undefined {
  if (typeof value !== 'string' || value.length !== 12) return undefined;
  if (!/^\d{8}/.test(value)) return undefined;
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(4, 6));
  let day = Number(value.slice(6, 8));
  const samordning = day > 60;
  if (samordning) day -= 60;
  if (!isValidDate(year, month, day)) return undefined;
  const tail = value.slice(8);
  if (/^\d{4}$/.test(tail)) {
    const check = computeLuhnCheckDigit(value.slice(2, 11));
    if (check !== Number(value[11])) return undefined;
    return samordning ? 'samordningsnummer' : 'personnummer';
  }
  if (!samordning && /^[0-9A-Z]{4}$/.test(tail) && /[A-Z]/.test(tail)) return 'temporary';
  return undefined;
}
