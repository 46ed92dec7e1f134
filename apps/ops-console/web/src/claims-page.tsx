// First sign-in (issue 11): claim status per class, issuing claim codes for a person, a class or a
// school, and the printable letters. The codes live only in this page's memory: once the letters
// are closed they cannot be shown again (issuing again replaces them).
import { useEffect, useState } from 'preact/hooks';
import { ApiError, get, Operator, post } from './api';

interface Settings {
  configured: boolean;
  claimPageUrl: string | null;
}
interface ClassStatus {
  groupId: string;
  className: string;
  schoolUnitCode: string;
  claimed: number;
  unclaimed: number;
  lockedOut: number;
}
interface Lockout {
  accountName: string;
  lockedAt: string;
  failedAttempts: number;
}
interface Person {
  personKey: string;
  tenant: string;
  displayName: string | null;
  accountName: string | null;
}
export interface IssuedCode {
  identityId: string;
  accountName: string;
  displayName: string;
  className: string | null;
  schoolUnitCode: string | null;
  code: string;
  expiresAt: string;
}
interface Issued {
  issued: IssuedCode[];
  skipped: Array<{ identityId: string; reason: string }>;
  claimPageUrl: string | null;
  title: string;
}
type Scope = { kind: 'person'; identityIds: string[] } | { kind: 'class'; groupId: string } | { kind: 'school'; schoolUnitCode: string };

export function ClaimsPage({ operator }: { operator: Operator }) {
  const mayIssue = operator.role !== 'viewer';
  const [settings, setSettings] = useState<Settings>();
  const [tenant, setTenant] = useState(Array.isArray(operator.tenants) ? (operator.tenants[0] ?? '') : '');
  const [status, setStatus] = useState<{ classes: ClassStatus[]; lockouts: Lockout[] }>();
  const [validForDays, setValidForDays] = useState('');
  const [q, setQ] = useState('');
  const [people, setPeople] = useState<Person[]>([]);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [letters, setLetters] = useState<Issued>();

  useEffect(() => {
    get<Settings>('/api/claims/settings').then(setSettings).catch((e: Error) => setError(e.message));
  }, []);

  const load = async () => {
    if (!tenant) return;
    setError(undefined);
    try {
      setStatus(await get(`/api/claims/status?tenant=${encodeURIComponent(tenant)}`));
    } catch (e) {
      setStatus(undefined);
      setError((e as Error).message);
    }
  };
  useEffect(() => {
    if (settings?.configured) void load();
  }, [settings?.configured, tenant]);

  const issue = async (scope: Scope, title: string) => {
    if (!confirm(`Issue new claim codes for ${title}? Codes issued earlier for the same people stop working.`)) return;
    setBusy(true);
    setError(undefined);
    try {
      const result = await post<Omit<Issued, 'title'>>('/api/claims/codes', { tenant, scope, ...(validForDays ? { validForDays: Number(validForDays) } : {}) });
      setLetters({ ...result, title });
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  const unlock = async (accountName: string) => {
    setError(undefined);
    try {
      await post(`/api/claims/lockouts/${encodeURIComponent(tenant)}/${encodeURIComponent(accountName)}/unlock`, {});
      await load();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  if (letters) return <Letters issued={letters} onClose={() => (confirm('Close the letters? The codes cannot be shown again.') ? setLetters(undefined) : undefined)} />;
  if (!settings) return <p class="muted">Loading…</p>;
  if (!settings.configured) {
    return (
      <section class="panel" data-testid="claims-not-configured">
        <h2>First sign-in</h2>
        <p class="muted">Claim codes are not configured on this console (CLAIM_ADMIN_URL, CLAIM_ADMIN_TOKEN, CLAIM_PUBLIC_URL).</p>
      </section>
    );
  }
  const schools = [...new Set((status?.classes ?? []).map((c) => c.schoolUnitCode))].sort();

  return (
    <section>
      <form class="filters" onSubmit={(e) => (e.preventDefault(), void load())}>
        <label>
          tenant{' '}
          {Array.isArray(operator.tenants) ? (
            <select value={tenant} onChange={(e) => setTenant(e.currentTarget.value)} data-testid="claims-tenant">
              {operator.tenants.map((t) => (
                <option value={t}>{t}</option>
              ))}
            </select>
          ) : (
            <input value={tenant} placeholder="e.g. skara" onChange={(e) => setTenant(e.currentTarget.value)} data-testid="claims-tenant" />
          )}
        </label>
        {mayIssue && (
          <label>
            valid for{' '}
            <input type="number" min={1} max={90} placeholder="14" value={validForDays} onInput={(e) => setValidForDays(e.currentTarget.value)} style="width:5em" data-testid="claims-valid-days" /> days
          </label>
        )}
        <button type="submit">Refresh</button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="row">
        <div class="panel grow">
          <h2>Claimed accounts per class</h2>
          <table data-testid="claim-classes">
            <thead>
              <tr>
                <th>class</th>
                <th>school unit</th>
                <th>claimed</th>
                <th>unclaimed</th>
                <th>locked out</th>
                {mayIssue && <th />}
              </tr>
            </thead>
            <tbody>
              {(status?.classes ?? []).map((c) => (
                <tr data-testid="claim-class" data-class-name={c.className}>
                  <td>{c.className}</td>
                  <td>{c.schoolUnitCode}</td>
                  <td class="ok">{c.claimed}</td>
                  <td>{c.unclaimed}</td>
                  <td class={c.lockedOut ? 'warn' : ''}>{c.lockedOut}</td>
                  {mayIssue && (
                    <td>
                      <button disabled={busy || c.unclaimed === 0} onClick={() => issue({ kind: 'class', groupId: c.groupId }, `class ${c.className}`)} data-testid="issue-class">
                        Issue codes
                      </button>
                    </td>
                  )}
                </tr>
              ))}
              {status && status.classes.length === 0 && (
                <tr>
                  <td colSpan={6} class="muted">
                    no accounts yet
                  </td>
                </tr>
              )}
            </tbody>
          </table>
          {mayIssue && schools.length > 0 && (
            <div class="actions">
              {schools.map((s) => (
                <button disabled={busy} onClick={() => issue({ kind: 'school', schoolUnitCode: s }, `school unit ${s}`)} data-testid="issue-school">
                  Issue codes for school unit {s}
                </button>
              ))}
            </div>
          )}
        </div>
        <div class="panel">
          <h2>Locked out after wrong codes</h2>
          <table data-testid="lockouts">
            <tbody>
              {(status?.lockouts ?? []).map((l) => (
                <tr data-testid="lockout" data-account={l.accountName}>
                  <td>{l.accountName}</td>
                  <td class="muted">
                    {new Date(l.lockedAt).toLocaleString('sv-SE')} · {l.failedAttempts} tries
                  </td>
                  {mayIssue && (
                    <td>
                      <button onClick={() => unlock(l.accountName)} data-testid="unlock">
                        Unlock
                      </button>
                    </td>
                  )}
                </tr>
              ))}
              {status && status.lockouts.length === 0 && (
                <tr>
                  <td class="muted">none</td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      </div>
      {mayIssue && (
        <div class="panel">
          <h2>One person</h2>
          <form
            class="filters"
            onSubmit={async (e) => {
              e.preventDefault();
              setPeople(await get<Person[]>(`/api/people?q=${encodeURIComponent(q)}`).catch(() => []));
            }}
          >
            <input placeholder="name, account name or ePPN" value={q} onInput={(e) => setQ(e.currentTarget.value)} data-testid="claims-person-search" />
            <button type="submit">Search</button>
          </form>
          <ul class="results">
            {people
              .filter((p) => p.tenant === tenant)
              .map((p) => (
                <li>
                  {p.displayName ?? p.personKey} <span class="muted">{p.accountName ?? 'no account'}</span>{' '}
                  <button disabled={busy} onClick={() => issue({ kind: 'person', identityIds: [p.personKey] }, p.accountName ?? p.displayName ?? 'one person')} data-testid="issue-person">
                    Issue code
                  </button>
                </li>
              ))}
          </ul>
        </div>
      )}
    </section>
  );
}

/** One letter per person, print-styled (one page each); a password never appears on it. */
function Letters({ issued, onClose }: { issued: Issued; onClose: () => void }) {
  const url = issued.claimPageUrl ?? '';
  return (
    <section class="letters">
      <div class="panel no-print" data-testid="letters-toolbar">
        <h2>
          {issued.issued.length} claim code{issued.issued.length === 1 ? '' : 's'} for {issued.title}
        </h2>
        <p>
          Shown only now: print the letters (one page per person) and hand them out. The codes are not kept by the console; issuing again replaces
          them.
        </p>
        {issued.skipped.length > 0 && (
          <p class="muted" data-testid="letters-skipped">
            {issued.skipped.length} skipped: {[...new Set(issued.skipped.map((s) => s.reason))].join(', ')}
          </p>
        )}
        <div class="actions">
          <button onClick={() => print()} data-testid="print-letters">
            Print letters
          </button>
          <button class="link" onClick={onClose} data-testid="close-letters">
            Close
          </button>
        </div>
      </div>
      {issued.issued.map((c) => (
        <article class="letter" data-testid="letter" data-account={c.accountName}>
          <h1>Ditt skolkonto · Your school account</h1>
          <p class="letter-name">
            {c.displayName}
            {c.className ? ` · ${c.className}` : ''}
          </p>
          <dl>
            <dt>Användarnamn · Account name</dt>
            <dd data-testid="letter-account">{c.accountName}</dd>
            <dt>Engångskod · One-time code</dt>
            <dd class="letter-code" data-testid="letter-code">
              {c.code}
            </dd>
            <dt>Giltig till · Valid until</dt>
            <dd>{new Date(c.expiresAt).toLocaleDateString('sv-SE')}</dd>
          </dl>
          <ol>
            <li>
              Gå till · Go to <strong data-testid="letter-url">{url}</strong>
            </li>
            <li>Skriv ditt användarnamn och koden · Enter your account name and the code.</li>
            <li>Välj ett eget lösenord. Ingen annan vet det – berätta det aldrig för någon. · Choose your own password. Nobody else knows it – never tell anyone.</li>
          </ol>
          <p class="muted">Koden fungerar en gång. Fråga din lärare om en ny kod om den inte fungerar. · The code works once. Ask your teacher for a new one if it does not work.</p>
        </article>
      ))}
    </section>
  );
}
