import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadStackEnv, parseStackEnv } from './stack-env';
import { testEnv, TestEnvError } from './test-env';

function envFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'stack-env-')), 'env');
  writeFileSync(path, text);
  return path;
}

describe(loadStackEnv.name, () => {
  it('sets the keys of the file that the environment does not set, and keeps those it does', () => {
    const env: NodeJS.ProcessEnv = { NATS_URL: 'nats://elsewhere:4222', LDAP_URL: '' };
    const path = envFile(
      '# comment\nNATS_URL=nats://127.0.0.1:4222\nLDAP_URL=ldaps://127.0.0.1:636\n\nAD_REALM=SKOLA.TEST\n',
    );

    const loaded = loadStackEnv({ path, env });

    expect(env).toEqual({
      NATS_URL: 'nats://elsewhere:4222',
      LDAP_URL: 'ldaps://127.0.0.1:636',
      AD_REALM: 'SKOLA.TEST',
    });
    expect(loaded).toEqual(['LDAP_URL', 'AD_REALM']);
  });

  it('sets nothing when the file does not exist', () => {
    const env: NodeJS.ProcessEnv = {};
    expect(loadStackEnv({ path: '/nonexistent/.stack/env', env })).toEqual([]);
    expect(env).toEqual({});
  });

  it('keeps "=" inside values', () => {
    expect(parseStackEnv('LDAP_BIND_DN=CN=Administrator,CN=Users,DC=skola,DC=test')).toEqual({
      LDAP_BIND_DN: 'CN=Administrator,CN=Users,DC=skola,DC=test',
    });
  });
});

describe(testEnv.name, () => {
  it('names every missing key', () => {
    const env: NodeJS.ProcessEnv = { STACK_ENV_FILE: '/nonexistent/env', NATS_URL: 'nats://127.0.0.1:4222' };
    expect(() => testEnv(env)).toThrow(TestEnvError);
    expect(() => testEnv(env)).toThrow(
      /DATABASE_ADMIN_URL, LDAP_URL, LDAP_CA_FILE, LDAP_BIND_DN, LDAP_BIND_PASSWORD, LDAP_BASE_DN, AD_REALM/,
    );
  });
});
