import { useState } from 'preact/hooks';
import { get, Operator } from './api';

interface Person {
  personKey: string;
  tenant: string;
  displayName: string | null;
  accountName: string | null;
  eppn: string | null;
}

interface Entry {
  eventId: string;
  stage: string;
  type: string;
  subject: string;
  occurredAt: string;
  cause: string | null;
  summary: Record<string, unknown>;
}

export function TimelinePage({ operator }: { operator: Operator }) {
  const [q, setQ] = useState('');
  const [results, setResults] = useState<Person[]>([]);
  const [timeline, setTimeline] = useState<{ person: Person; entries: Entry[] }>();
  const [error, setError] = useState<string>();

  const search = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      setResults(await get<Person[]>(`/api/people?q=${encodeURIComponent(q)}`));
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <section>
      <form class="filters" onSubmit={search}>
        <input
          placeholder={operator.role === 'admin' ? 'name, account name, ePPN or civic number' : 'name, account name or ePPN'}
          value={q}
          onInput={(e) => setQ(e.currentTarget.value)}
          data-testid="person-search"
        />
        <button type="submit">Search</button>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
      <ul class="results">
        {results.map((p) => (
          <li>
            <button class="link" onClick={() => get<{ person: Person; entries: Entry[] }>(`/api/people/${encodeURIComponent(p.personKey)}/timeline`).then(setTimeline)}>
              {p.displayName ?? p.personKey}
            </button>{' '}
            <span class="muted">
              {p.tenant} · {p.accountName ?? 'no account'} · {p.eppn ?? 'no ePPN'}
            </span>
          </li>
        ))}
      </ul>
      {timeline && (
        <div class="panel">
          <h2>{timeline.person.displayName ?? timeline.person.personKey}</h2>
          <ol class="timeline" data-testid="timeline">
            {timeline.entries.map((e) => (
              <li class={`stage-${e.stage}`}>
                <time>{new Date(e.occurredAt).toLocaleString('sv-SE')}</time>
                <strong>{e.stage}</strong> {e.subject.split('.').slice(2).join(' ')}
                {e.cause && <span class="muted"> — {e.cause}</span>}
                <pre class="payload">{JSON.stringify(e.summary)}</pre>
              </li>
            ))}
          </ol>
        </div>
      )}
    </section>
  );
}
