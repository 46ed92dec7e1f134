// Everything the console shows passes through here first: civic numbers never reach a browser,
// whichever field or free text they hide in.

const SENSITIVE_KEY = /civic|personnummer|samordningsnummer|personalidentity|nin$|ssn/i;
// 12 or 10 digits, optionally with - or + before the last four (YYYYMMDD-NNNN, YYMMDD-NNNN).
const CIVIC_IN_TEXT = /(?<!\d)(\d{6}|\d{8})[-+]?\d{4}(?!\d)/g;

// A uuid's first groups can be all digits in the YYYYMMDD-NNNN shape; ids stay readable.
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

export const MASK = '••••••••••••';

function maskText(text: string): string {
  let out = '';
  let last = 0;
  for (const match of text.matchAll(UUID)) {
    out += text.slice(last, match.index).replace(CIVIC_IN_TEXT, MASK) + match[0];
    last = match.index + match[0].length;
  }
  return out + text.slice(last).replace(CIVIC_IN_TEXT, MASK);
}

/** Returns a deep copy of `value` with sensitive keys replaced by a mask and civic-number-like text masked. */
export function maskSensitive<T>(value: T): T {
  return maskValue(value, false) as T;
}

function maskValue(value: unknown, sensitive: boolean): unknown {
  if (value === null || value === undefined) return value;
  if (sensitive && (typeof value === 'string' || typeof value === 'number')) return MASK;
  if (typeof value === 'string') return maskText(value);
  if (Array.isArray(value)) return value.map((item) => maskValue(item, sensitive));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
      out[key] = maskValue(inner, sensitive || SENSITIVE_KEY.test(key));
    }
    return out;
  }
  return value;
}
