// Typed endpoints of the real services for integration tests.
import { readFileSync } from 'node:fs';
import { loadStackEnv, STACK_ENV_KEYS, StackEnvKey } from './stack-env';

export interface TestEnv {
  nats: { url: string };
  postgres: { adminUrl: string };
  ldap: {
    url: string;
    /** Absolute path of the CA that signed the directory's LDAPS certificate. */
    caFile: string;
    /** The CA's PEM, ready for `tlsOptions: { ca: [ldap.ca] }`. */
    ca: Buffer;
    bindDn: string;
    bindPassword: string;
    baseDn: string;
    realm: string;
  };
}

export class TestEnvError extends Error {
  constructor(readonly missing: readonly string[]) {
    super(
      `Test environment incomplete, missing ${missing.join(', ')}. ` +
        'Run `npm run stack -- up` (writes .stack/env) or set these variables.',
    );
  }
}

/** Reads the endpoints from the environment (after loading .stack/env); fails naming every missing key. */
export function testEnv(env: NodeJS.ProcessEnv = process.env): TestEnv {
  loadStackEnv({ env });
  const missing = STACK_ENV_KEYS.filter((key) => !env[key]);
  if (missing.length > 0) throw new TestEnvError(missing);
  const value = (key: StackEnvKey) => env[key] as string;
  return {
    nats: { url: value('NATS_URL') },
    postgres: { adminUrl: value('DATABASE_ADMIN_URL') },
    ldap: {
      url: value('LDAP_URL'),
      caFile: value('LDAP_CA_FILE'),
      ca: readFileSync(value('LDAP_CA_FILE')),
      bindDn: value('LDAP_BIND_DN'),
      bindPassword: value('LDAP_BIND_PASSWORD'),
      baseDn: value('LDAP_BASE_DN'),
      realm: value('AD_REALM'),
    },
  };
}
