import { ApiKeyAuth, OAuth2ClientCredentialsAuth, Ss12000Client } from '@skolkonto/ss12000';
import { startSimulator, type SimulatorHarness } from './support/simulator-harness';

let sim: SimulatorHarness;

beforeAll(async () => {
  sim = await startSimulator([
    {
      id: 'skara',
      municipalityCode: '1495',
      persons: 20,
      auth: { type: 'apiKey', secret: 'api-key-of-skara-123', headerName: 'X-Api-Key' },
    },
    {
      id: 'gotene',
      municipalityCode: '1471',
      persons: 20,
      auth: { type: 'oauth2', secret: 'client-secret-of-gotene', clientId: 'skolkonto-gotene' },
    },
  ]);
});

afterAll(async () => {
  await sim?.close();
});

describe('register simulator: per-tenant auth kinds', () => {
  it('accepts the API key header of its tenant and nothing else', async () => {
    const good = new Ss12000Client({
      baseUrl: sim.baseUrl('skara'),
      auth: new ApiKeyAuth('api-key-of-skara-123', 'X-Api-Key'),
    });
    expect((await good.readAll('persons')).records).toHaveLength(20);
    const bad = new Ss12000Client({
      baseUrl: sim.baseUrl('skara'),
      auth: new ApiKeyAuth('wrong-key', 'X-Api-Key'),
    });
    const result = await bad.readAll('persons');
    expect(!result.complete && result.error.code).toBe('AUTH');
  });

  it('issues OAuth2 client-credentials tokens and accepts them; a revoked token is replaced once', async () => {
    const auth = new OAuth2ClientCredentialsAuth({
      tokenUrl: `${sim.url}/tenants/gotene/oauth2/token`,
      clientId: 'skolkonto-gotene',
      clientSecret: 'client-secret-of-gotene',
    });
    const client = new Ss12000Client({ baseUrl: sim.baseUrl('gotene'), auth });
    expect((await client.readAll('persons')).records).toHaveLength(20);
    await sim.admin('POST', '/oauth2/revoke');
    expect((await client.readAll('persons')).complete).toBe(true);

    const wrong = new OAuth2ClientCredentialsAuth({
      tokenUrl: `${sim.url}/tenants/gotene/oauth2/token`,
      clientId: 'skolkonto-gotene',
      clientSecret: 'nope',
    });
    const result = await new Ss12000Client({ baseUrl: sim.baseUrl('gotene'), auth: wrong }).readAll(
      'persons',
    );
    expect(!result.complete && result.error).toMatchObject({ code: 'AUTH', details: { status: 401 } });
    expect((await sim.get('gotene', '/persons', 'not-an-issued-token')).status).toBe(401);
  });
});
