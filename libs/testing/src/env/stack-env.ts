// Connection settings for tests: the environment first (CI, a developer's own services), then the
// file `scripts/stack.sh up` writes (.stack/env). Nothing here starts services; Jest's global setup does.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The keys `scripts/stack.sh up` writes; the ones tests may rely on. */
export const STACK_ENV_KEYS = [
  'NATS_URL',
  'DATABASE_ADMIN_URL',
  'LDAP_URL',
  'LDAP_CA_FILE',
  'LDAP_BIND_DN',
  'LDAP_BIND_PASSWORD',
  'LDAP_BASE_DN',
  'AD_REALM',
] as const;

export type StackEnvKey = (typeof STACK_ENV_KEYS)[number];

/** The repository root: src/env (or dist/env) sits four levels below it. */
export const repositoryRoot = resolve(__dirname, '../../../..');

/** Where the stack's settings live; STACK_ENV_FILE overrides (tests of this library use that). */
export function stackEnvPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.STACK_ENV_FILE ?? resolve(repositoryRoot, '.stack/env');
}

/** Parses KEY=VALUE lines; blank lines and `#` comments are ignored, values are taken verbatim. */
export function parseStackEnv(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(line);
    if (match && !line.trimStart().startsWith('#')) values[match[1]] = match[2].trim();
  }
  return values;
}

/**
 * Copies the stack's settings into `env` (default `process.env`) without overriding anything
 * already set there. Returns the keys it set. A missing file sets nothing.
 */
export function loadStackEnv(options: { path?: string; env?: NodeJS.ProcessEnv } = {}): string[] {
  const env = options.env ?? process.env;
  const path = options.path ?? stackEnvPath(env);
  if (!existsSync(path)) return [];
  const loaded: string[] = [];
  for (const [key, value] of Object.entries(parseStackEnv(readFileSync(path, 'utf8')))) {
    if (env[key] === undefined || env[key] === '') {
      env[key] = value;
      loaded.push(key);
    }
  }
  return loaded;
}
