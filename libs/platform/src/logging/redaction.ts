/**
 * Last line of defence for personal data in logs: code should never log a civic number or a
 * protected person's name, but if one slips into a message it is masked here.
 */
const CIVIC_NUMBER = /(?<![\d])(?:(?:19|20)\d{6}|\d{6})[-+]?\d{4}(?![\d])/g;

export function maskCivicNumbers(text: string): string {
  return text.replace(CIVIC_NUMBER, '[personnummer]');
}

/** Object keys whose values never reach a log line. */
export const REDACTED_KEYS = [
  'civicNo',
  'civicNumber',
  'personnummer',
  'nin',
  'norEduPersonNIN',
  'password',
  'unicodePwd',
  'secret',
  'token',
  'authorization',
  'cookie',
  'claimCode',
];

export const REDACT_PATHS = REDACTED_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]).concat([
  'req.headers.authorization',
  'req.headers.cookie',
]);
