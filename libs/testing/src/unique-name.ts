import { randomBytes } from 'node:crypto';

/**
 * A name no other test run uses: lower-case letters, digits and dashes, so it is valid as an OU
 * name, a database name, a NATS subject token and (upper-cased) a stream name.
 */
export function uniqueName(label = 'test'): string {
  const clean =
    label
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 24) || 'test';
  return `${clean}-${randomBytes(5).toString('hex')}`;
}
