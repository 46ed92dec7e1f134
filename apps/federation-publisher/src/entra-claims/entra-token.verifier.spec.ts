import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EntraTokenError, EntraTokenVerifier } from './entra-token.verifier';

const ISSUER = 'https://login.microsoftonline.com/tid/v2.0';
const AUDIENCE = 'api://claims';
const AZP = '99045fe1-7639-4a75-9d4a-577b6ca3810f';

describe(EntraTokenVerifier.name, () => {
  const dir = mkdtempSync(join(tmpdir(), 'entra-jwks-'));
  const jwksPath = join(dir, 'jwks.json');
  const first = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const second = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const writeJwks = (...keys: Array<[string, typeof first]>) =>
    writeFileSync(jwksPath, JSON.stringify({ keys: keys.map(([kid, pair]) => ({ ...pair.publicKey.export({ format: 'jwk' }), kid, use: 'sig' })) }));
  let now = Date.UTC(2026, 10, 28, 7, 0, 0);
  const provider = { id: 'p', tenant: 'skara', issuers: [ISSUER], audiences: [AUDIENCE], authorizedParties: [AZP], jwks: jwksPath };
  const token = (claims: Record<string, unknown>, pair = first, kid = 'k1', alg = 'RS256') => {
    const seconds = Math.floor(now / 1000);
    const header = Buffer.from(JSON.stringify({ alg, kid })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ iss: ISSUER, aud: AUDIENCE, azp: AZP, nbf: seconds, exp: seconds + 300, ...claims })).toString('base64url');
    return `${header}.${body}.${sign('RSA-SHA256', Buffer.from(`${header}.${body}`), pair.privateKey).toString('base64url')}`;
  };

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts a token signed by a JWKS key with the configured issuer, audience and azp', async () => {
    writeJwks(['k1', first]);
    const verifier = new EntraTokenVerifier([provider], () => now);
    await expect(verifier.verify(token({}))).resolves.toBe(provider);
    await expect(verifier.verify(token({ aud: ['other', AUDIENCE] }))).resolves.toBe(provider);
  });

  it('refuses alg none, a future nbf beyond the skew, and a token past exp beyond the skew', async () => {
    writeJwks(['k1', first]);
    const verifier = new EntraTokenVerifier([provider], () => now);
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ iss: ISSUER, aud: AUDIENCE, azp: AZP })).toString('base64url');
    await expect(verifier.verify(`${header}.${body}.`)).rejects.toThrow(/algorithm/);
    await expect(verifier.verify(token({ nbf: Math.floor(now / 1000) + 600 }))).rejects.toThrow(/not yet valid/);
    await expect(verifier.verify(token({ exp: Math.floor(now / 1000) - 600 }))).rejects.toThrow(/expired/);
    await expect(verifier.verify(token({ exp: Math.floor(now / 1000) - 60 }))).resolves.toBe(provider);
  });

  it('reloads the JWKS when the issuer rolls to a new key id, at most once a minute', async () => {
    writeJwks(['k1', first]);
    const verifier = new EntraTokenVerifier([provider], () => now);
    await verifier.verify(token({}));
    writeJwks(['k1', first], ['k2', second]);
    // Within a minute of the last load an unknown kid is refused without a reload.
    await expect(verifier.verify(token({}, second, 'k2'))).rejects.toBeInstanceOf(EntraTokenError);
    now += 61_000;
    await expect(verifier.verify(token({}, second, 'k2'))).resolves.toBe(provider);
  });

  it('refuses a key id that signs with the wrong key', async () => {
    writeJwks(['k1', first]);
    const verifier = new EntraTokenVerifier([provider], () => now);
    await expect(verifier.verify(token({}, second, 'k1'))).rejects.toThrow(/signature/);
  });
});
