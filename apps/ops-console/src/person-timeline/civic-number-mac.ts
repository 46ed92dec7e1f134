import { createHmac } from 'node:crypto';

/** 12 digits from what an admin types (YYYYMMDDNNNN, YYMMDD-NNNN, YYMMDD+NNNN for 100+), else undefined. */
export function normalizeCivicNumber(input: string, today = new Date()): string | undefined {
  const text = input.trim();
  const long = /^(\d{8})-?(\d{4})$/.exec(text);
  if (long) return `${long[1]}${long[2]}`;
  const short = /^(\d{6})([-+]?)(\d{4})$/.exec(text);
  if (!short) return undefined;
  const yy = Number(short[1]!.slice(0, 2));
  const currentYear = today.getUTCFullYear();
  let year = Math.floor(currentYear / 100) * 100 + yy;
  if (year > currentYear) year -= 100;
  if (short[2] === '+') year -= 100;
  return `${year}${short[1]!.slice(2)}${short[3]}`;
}

/** Keyed hash under which the console keeps a civic number: searchable, not reversible without the key. */
export function civicNumberMac(civicNumber: string, key: string): string {
  return createHmac('sha256', key).update(civicNumber).digest('hex');
}
