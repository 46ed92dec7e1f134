// RFC 4515 search filters. Every value that came from outside goes through escapeFilterValue; binary
// values (objectGUID) are never written into filter strings but passed as Buffers, because escaped
// bytes >= 0x80 in a filter string do not survive the string parser intact.
import { AndFilter, EqualityFilter, Filter, OrFilter } from 'ldapts';

/** Escapes `*`, `(`, `)`, `\` and NUL as `\2a`, `\28`, `\29`, `\5c`, `\00` (RFC 4515 section 3). */
export function escapeFilterValue(value: string): string {
  // eslint-disable-next-line no-control-regex -- NUL is one of the characters RFC 4515 requires escaped
  return value.replace(/[*()\\\u0000]/g, (ch) => `\\${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** `(attribute=escaped value)` */
export function equalsFilter(attribute: string, value: string): string {
  assertAttributeName(attribute);
  return `(${attribute}=${escapeFilterValue(value)})`;
}

/** `(&…)` of the given filter strings. */
export function andFilter(...filters: string[]): string {
  return filters.length === 1 ? filters[0]! : `(&${filters.join('')})`;
}

/** `(|…)` of the given filter strings. */
export function orFilter(...filters: string[]): string {
  return filters.length === 1 ? filters[0]! : `(|${filters.join('')})`;
}

/** A filter object matching a binary attribute exactly (objectGUID, objectSid). */
export function binaryEqualsFilter(attribute: string, value: Buffer): Filter {
  assertAttributeName(attribute);
  return new EqualityFilter({ attribute, value });
}

/** Combines filter objects (for binary values) with AND / OR. */
export function andFilters(...filters: Filter[]): Filter {
  return new AndFilter({ filters });
}
export function orFilters(...filters: Filter[]): Filter {
  return new OrFilter({ filters });
}

function assertAttributeName(attribute: string): void {
  if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(attribute)) throw new Error(`invalid attribute name ${JSON.stringify(attribute)}`);
}
