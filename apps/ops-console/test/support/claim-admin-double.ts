// A real HTTP server that implements the claim-portal's internal admin API contract (shared
// decisions: POST /internal/v1/claim-codes, GET claim-status, GET lockouts, POST …/unlock; 400 naming
// the field, 401 bad token, 404 unknown tenant/group/school), with in-memory accounts. Tests that
// need the real claim-portal (AD, its database) live with the claim-portal; this one pins the
// console's side of the contract, and records what the console sent.
import http from 'node:http';
import { randomUUID } from 'node:crypto';

export interface DoubleAccount {
  identityId: string;
  accountName: string;
  displayName: string;
  groupId: string;
  className: string;
  schoolUnitCode: string;
  state: 'unclaimed' | 'claimed' | 'locked';
}

export interface ClaimAdminDouble {
  url: string;
  token: string;
  accounts: DoubleAccount[];
  requests: Array<{ method: string; path: string; body: any; authorization?: string; traceparent?: string }>;
  close(): Promise<void>;
}

const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export async function startClaimAdminDouble(tenant: string, accounts: DoubleAccount[]): Promise<ClaimAdminDouble> {
  const token = `claim-admin-${randomUUID()}`;
  const requests: ClaimAdminDouble['requests'] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://double');
      let body: any;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        return send(400, { message: 'body: must be valid JSON' });
      }
      const traceparent = typeof req.headers.traceparent === 'string' ? req.headers.traceparent : undefined;
      requests.push({ method: req.method ?? '', path: url.pathname + url.search, body, authorization: req.headers.authorization, traceparent });
      if (req.headers.authorization !== `Bearer ${token}`) return send(401, { message: 'bad token' });
      function send(status: number, json?: unknown) {
        res.writeHead(status, json === undefined ? {} : { 'Content-Type': 'application/json' });
        res.end(json === undefined ? undefined : JSON.stringify(json));
      }
      const knownTenant = (t: unknown) => t === tenant;

      if (req.method === 'POST' && url.pathname === '/internal/v1/claim-codes') {
        if (typeof body?.issuedBy !== 'string' || !body.issuedBy) return send(400, { message: 'issuedBy: must be a non-empty string' });
        if (!knownTenant(body.tenant)) return send(404, { message: `unknown tenant ${body.tenant}` });
        const scope = body.scope ?? {};
        let picked: DoubleAccount[];
        if (scope.kind === 'class') picked = accounts.filter((a) => a.groupId === scope.groupId);
        else if (scope.kind === 'school') picked = accounts.filter((a) => a.schoolUnitCode === scope.schoolUnitCode);
        else if (scope.kind === 'person') picked = accounts.filter((a) => scope.identityIds.includes(a.identityId));
        else return send(400, { message: "scope.kind: must be 'person', 'class' or 'school'" });
        if (picked.length === 0 && scope.kind !== 'person') return send(404, { message: `unknown ${scope.kind}` });
        const expiresAt = new Date(Date.now() + (body.validForDays ?? 14) * 86_400_000).toISOString();
        const issued = picked
          .filter((a) => a.state !== 'claimed')
          .map((a) => ({
            identityId: a.identityId,
            accountName: a.accountName,
            displayName: a.displayName,
            className: a.className,
            schoolUnitCode: a.schoolUnitCode,
            code: Array.from({ length: 10 }, () => CODE_ALPHABET[Math.floor(Math.random() * CODE_ALPHABET.length)]).join('').replace(/^(.{5})/, '$1-'),
            expiresAt,
          }));
        const skipped = picked.filter((a) => a.state === 'claimed').map((a) => ({ identityId: a.identityId, reason: 'already claimed' }));
        return send(201, { issued, skipped });
      }
      if (req.method === 'GET' && url.pathname === '/internal/v1/claim-status') {
        if (!knownTenant(url.searchParams.get('tenant'))) return send(404, { message: 'unknown tenant' });
        const classes = new Map<string, any>();
        for (const a of accounts) {
          const c = classes.get(a.groupId) ?? { groupId: a.groupId, className: a.className, schoolUnitCode: a.schoolUnitCode, claimed: 0, unclaimed: 0, lockedOut: 0 };
          if (a.state === 'claimed') c.claimed++;
          else c.unclaimed++;
          if (a.state === 'locked') c.lockedOut++;
          classes.set(a.groupId, c);
        }
        return send(200, { classes: [...classes.values()] });
      }
      if (req.method === 'GET' && url.pathname === '/internal/v1/lockouts') {
        if (!knownTenant(url.searchParams.get('tenant'))) return send(404, { message: 'unknown tenant' });
        return send(200, { lockouts: accounts.filter((a) => a.state === 'locked').map((a) => ({ accountName: a.accountName, lockedAt: '2026-11-28T07:00:00.000Z', failedAttempts: 5 })) });
      }
      const unlock = /^\/internal\/v1\/lockouts\/([^/]+)\/([^/]+)\/unlock$/.exec(url.pathname);
      if (req.method === 'POST' && unlock) {
        if (typeof body?.unlockedBy !== 'string' || !body.unlockedBy) return send(400, { message: 'unlockedBy: must be a non-empty string' });
        const account = accounts.find((a) => knownTenant(decodeURIComponent(unlock[1]!)) && a.accountName === decodeURIComponent(unlock[2]!) && a.state === 'locked');
        if (!account) return send(404, { message: 'no such locked account' });
        account.state = 'unclaimed';
        return send(204);
      }
      return send(404, { message: 'no such route' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    accounts,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A class of pupils for the double: one claimed, one locked out, the rest unclaimed. */
export function aClass(className: string, size: number, schoolUnitCode = '14941234'): DoubleAccount[] {
  const groupId = randomUUID();
  const given = ['Åsa', 'Björn', 'Cecilia', 'David', 'Elin', 'Filip', 'Greta', 'Hugo'];
  return Array.from({ length: size }, (_, i) => ({
    identityId: randomUUID(),
    accountName: `${given[i % given.length]!.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase()}${className.toLowerCase()}${i}`,
    displayName: `${given[i % given.length]} Elev${i}`,
    groupId,
    className,
    schoolUnitCode,
    state: i === 0 ? 'claimed' : i === 1 ? 'locked' : 'unclaimed',
  }));
}
