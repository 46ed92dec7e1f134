import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@skolkonto/platform';
import { parseReleaseSettings } from './release-settings';

const tenants = ['lidkoping', 'skara', 'gotene', 'essunga'].map((id) => ({ id, federation: { scope: `${id}.se` } }));
const env = {
  FEDERATION_SECRET_LIDKOPING: 'l'.repeat(32),
  FEDERATION_SECRET_SKARA: 's'.repeat(32),
  FEDERATION_SECRET_GOTENE: 'g'.repeat(32),
  FEDERATION_SECRET_ESSUNGA: 'e'.repeat(32),
  FEDERATION_IDP_TOKEN: 't'.repeat(40),
};

describe(parseReleaseSettings.name, () => {
  it('reads the committed config/release-policies.yaml', () => {
    const text = readFileSync(join(__dirname, '../../../../config/release-policies.yaml'), 'utf8');
    const settings = parseReleaseSettings(text, tenants, env);
    expect([...settings.tenants.keys()]).toEqual(['lidkoping', 'skara', 'gotene', 'essunga']);
    expect(settings.tenants.get('skara')!.scope).toBe('skara.se');
    expect(settings.tenants.get('skara')!.policies.get('https://bibliotek.example.se/sp')!.attributes).toContain('pairwise-id');
    expect(settings.clients).toEqual([{ id: 'shibboleth-idp', token: 't'.repeat(40), tenants: ['lidkoping', 'skara', 'gotene', 'essunga'] }]);
  });

  it('names every bad key and never prints a secret', () => {
    const text = `
tenants:
  - tenant: nowhere
    pairwiseSecretEnv: lower_case
    serviceProviders:
      - entityId: https://sp
        attributes: [eduPersonPrincipalName, shoeSize]
  - tenant: skara
    pairwiseSecretEnv: SHORT_SECRET
    serviceProviders: []
idpClients:
  - id: idp
    tokenEnv: MISSING_TOKEN
    tenants: [skara]
`;
    let error: unknown;
    try {
      parseReleaseSettings(text, tenants, { SHORT_SECRET: 'abc' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/tenants\.0\.pairwiseSecretEnv/);
    expect(problems).toMatch(/tenants\.0\.serviceProviders\.0\.attributes/);
    expect(problems).not.toContain('abc');
  });

  it('refuses an unknown tenant and a short secret once the shape is right', () => {
    const text = `
tenants:
  - tenant: nowhere
    pairwiseSecretEnv: SECRET_A
    serviceProviders: []
  - tenant: skara
    pairwiseSecretEnv: SHORT_SECRET
    serviceProviders: []
idpClients:
  - id: idp
    tokenEnv: MISSING_TOKEN
    tenants: [skara]
`;
    expect(() => parseReleaseSettings(text, tenants, { SECRET_A: 'x'.repeat(20), SHORT_SECRET: 'abc' })).toThrow(
      /tenants\.0\.tenant: tenant "nowhere" is not in the tenants file[\s\S]*tenants\.1\.pairwiseSecretEnv: SHORT_SECRET must be set[\s\S]*idpClients\.0\.tokenEnv: MISSING_TOKEN/,
    );
  });

  it('names the tenant, both files and the known tenants when the policies name a tenant the tenants file lacks', () => {
    const text = `
tenants:
  - tenant: vara
    pairwiseSecretEnv: SECRET_A
    serviceProviders: []
idpClients:
  - id: idp
    tokenEnv: TOKEN
    tenants: [vara]
`;
    const secrets = { SECRET_A: 'x'.repeat(20), TOKEN: 't'.repeat(30) };
    let error: unknown;
    try {
      parseReleaseSettings(text, tenants, secrets, '/etc/skolkonto/release-policies.yaml', '/etc/skolkonto/tenants.yaml');
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { message, source, problems } = error as ConfigError;
    expect(source).toBe('/etc/skolkonto/release-policies.yaml');
    expect(problems).toEqual([
      `tenants.0.tenant: tenant "vara" is not in the tenants file /etc/skolkonto/tenants.yaml (known: ${tenants.map((t) => t.id).join(', ')}); add it there or remove it from /etc/skolkonto/release-policies.yaml`,
      `idpClients.0.tenants: tenant "vara" is not in the tenants file /etc/skolkonto/tenants.yaml (known: ${tenants.map((t) => t.id).join(', ')}); add it there or remove it from /etc/skolkonto/release-policies.yaml`,
    ]);
    expect(message).toContain('invalid configuration in /etc/skolkonto/release-policies.yaml');
    expect(message).not.toContain('x'.repeat(20));
  });
});
