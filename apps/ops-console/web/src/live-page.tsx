import { useEffect, useState } from 'preact/hooks';
import { ApiError, get, Operator, post, query } from './api';
import { ThroughputChart, ThroughputPoint } from './throughput-chart';

interface LiveEvent {
  stream: string;
  sequence: number;
  subject: string;
  domain: string;
  tenant: string | null;
  type: string | null;
  eventId: string | null;
  time: string;
  entity: string | null;
  data: unknown;
}

interface Tile {
  tenant: string;
  eventsPerMinute: Record<string, number>;
  deadLetters: number;
  heldPlans: number;
  openReviews: number;
  lastRegisterSync: string | null;
  lastRegisterSyncKind: 'delta' | 'full' | null;
  consumerLag: {
    pending: number;
    ackPending: number;
    /** False: `ackPending` is an upper bound (the server does not say which messages are unacknowledged). */
    ackPendingExact: boolean;
    consumers: Array<{ stream: string; consumer: string; pending: number; ackPending: number; ackPendingExact: boolean }>;
    /** Consumers that lag but could not be counted per tenant. */
    unattributed: string[];
  };
}

interface ConsumerLag {
  stream: string;
  consumer: string;
  pending: number;
  ackPending: number;
  redelivered: number;
}

const DOMAINS = ['', 'register', 'identity', 'directory', 'federation', 'ops', 'deadletter'];
const MAX_EVENTS = 300;

export function LivePage({ operator }: { operator: Operator }) {
  const [filter, setFilter] = useState({ tenant: '', domain: '', type: '', person: '' });
  const [events, setEvents] = useState<LiveEvent[]>([]);
  const [connected, setConnected] = useState(false);
  const [tiles, setTiles] = useState<{ tiles: Tile[]; consumers: ConsumerLag[] }>({ tiles: [], consumers: [] });
  const [throughput, setThroughput] = useState<ThroughputPoint[]>([]);
  const [selected, setSelected] = useState<LiveEvent>();

  useEffect(() => {
    const qs = query(filter);
    let cancelled = false;
    get<LiveEvent[]>(`/api/live/recent${qs}`).then((recent) => !cancelled && setEvents(recent)).catch(() => undefined);
    const source = new EventSource(`/api/live/events${qs}`);
    source.onopen = () => setConnected(true);
    source.onerror = () => setConnected(false);
    source.addEventListener('event', (message) => {
      const event = JSON.parse((message as MessageEvent).data) as LiveEvent;
      setEvents((list) => [event, ...list.filter((e) => !(e.stream === event.stream && e.sequence === event.sequence))].slice(0, MAX_EVENTS));
    });
    return () => {
      cancelled = true;
      source.close();
    };
  }, [filter.tenant, filter.domain, filter.type, filter.person]);

  useEffect(() => {
    const refresh = () => {
      get<{ tiles: Tile[]; consumers: ConsumerLag[] }>('/api/live/tiles').then(setTiles).catch(() => undefined);
      get<ThroughputPoint[]>('/api/live/throughput').then(setThroughput).catch(() => undefined);
    };
    refresh();
    const timer = setInterval(refresh, 5000);
    return () => clearInterval(timer);
  }, []);

  const set = (key: keyof typeof filter) => (e: Event) => setFilter({ ...filter, [key]: (e.currentTarget as HTMLInputElement).value });

  return (
    <section>
      <DemoChanges operator={operator} />
      <div class="tiles" data-testid="tiles">
        {tiles.tiles.length === 0 && <p class="muted">No tenant activity yet.</p>}
        {tiles.tiles.map((t) => (
          <article class="tile" data-testid={`tile-${t.tenant}`}>
            <h3>{t.tenant}</h3>
            <dl>
              {Object.entries(t.eventsPerMinute).map(([stage, n]) => (
                <>
                  <dt>{stage}/min</dt>
                  <dd>{n}</dd>
                </>
              ))}
              <dt>dead letters</dt>
              <dd class={t.deadLetters ? 'warn' : ''}>{t.deadLetters}</dd>
              <dt>held plans</dt>
              <dd class={t.heldPlans ? 'warn' : ''}>{t.heldPlans}</dd>
              <dt>open reviews</dt>
              <dd class={t.openReviews ? 'warn' : ''} data-testid={`open-reviews-${t.tenant}`}>{t.openReviews}</dd>
              <dt>consumer lag</dt>
              <dd class={t.consumerLag.pending + t.consumerLag.ackPending ? 'warn' : ''} data-testid={`consumer-lag-${t.tenant}`} title="waiting for a service / given to it, not yet done">
                {t.consumerLag.pending}
                {t.consumerLag.ackPending > 0 && ` + ${t.consumerLag.ackPendingExact ? '' : '≤'}${t.consumerLag.ackPending}`}
                {t.consumerLag.unattributed.length > 0 && <span title={`not counted per tenant: ${t.consumerLag.unattributed.join(', ')}`}> (?)</span>}
              </dd>
              <dt>last register sync</dt>
              <dd data-testid={`last-sync-${t.tenant}`} title={t.lastRegisterSync ?? 'no successful sync seen'}>
                {t.lastRegisterSync ? `${new Date(t.lastRegisterSync).toLocaleString('sv-SE')}${t.lastRegisterSyncKind ? ` (${t.lastRegisterSyncKind})` : ''}` : '—'}
              </dd>
            </dl>
            {t.consumerLag.consumers.length > 0 && (
              <ul class="lag" data-testid={`consumer-lag-list-${t.tenant}`}>
                {t.consumerLag.consumers.map((c) => (
                  <li title={c.stream}>
                    {c.consumer}: {c.pending}
                    {c.ackPending > 0 && ` + ${c.ackPendingExact ? '' : '≤'}${c.ackPending} in progress`}
                  </li>
                ))}
              </ul>
            )}
          </article>
        ))}
      </div>
      <div class="row">
        <div class="panel grow">
          <h2>Throughput, last hour</h2>
          <ThroughputChart points={throughput} />
        </div>
        {operator.tenants === 'all' && (
          <div class="panel">
            <h2>Consumer lag, all tenants</h2>
            <table>
              <thead>
                <tr>
                  <th>consumer</th>
                  <th>pending</th>
                  <th>unacked</th>
                </tr>
              </thead>
              <tbody>
                {tiles.consumers.map((c) => (
                  <tr>
                    <td title={c.stream}>{c.consumer}</td>
                    <td class={c.pending > 100 ? 'warn' : ''}>{c.pending}</td>
                    <td>{c.ackPending}</td>
                  </tr>
                ))}
                {tiles.consumers.length === 0 && (
                  <tr>
                    <td colSpan={3} class="muted">
                      no durable consumers
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
        )}
      </div>
      <div class="panel">
        <h2>
          Live events <span class={connected ? 'ok' : 'warn'} data-testid="live-status">{connected ? '● live' : '○ reconnecting'}</span>
        </h2>
        <div class="filters">
          <input placeholder="tenant" value={filter.tenant} onChange={set('tenant')} data-testid="filter-tenant" />
          <select value={filter.domain} onChange={set('domain')} data-testid="filter-domain">
            {DOMAINS.map((d) => (
              <option value={d}>{d || 'all domains'}</option>
            ))}
          </select>
          <input placeholder="type" value={filter.type} onChange={set('type')} />
          <input placeholder="person (id, account, ePPN)" value={filter.person} onChange={set('person')} />
        </div>
        <table class="events" data-testid="live-events">
          <thead>
            <tr>
              <th>time</th>
              <th>tenant</th>
              <th>subject</th>
              <th>entity</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr data-testid="live-event" data-event-id={e.eventId ?? ''} onClick={() => setSelected(e)} class={selected === e ? 'selected' : ''}>
                <td>{new Date(e.time).toLocaleTimeString('sv-SE')}</td>
                <td>{e.tenant}</td>
                <td>{e.subject}</td>
                <td>{e.entity}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {selected && <pre class="payload">{JSON.stringify(selected.data, null, 2)}</pre>}
      </div>
      <p class="muted">Signed in as {operator.username}; tenants: {operator.tenants === 'all' ? 'all' : operator.tenants.join(', ')}</p>
    </section>
  );
}

interface DemoChange {
  kind: string;
  tenant: string;
  description: string;
}

/**
 * Demo only: shown when the console has a register simulator behind it (npm start) and the operator
 * may act. One click makes an ordinary school day's register changes; they then arrive below.
 */
function DemoChanges({ operator }: { operator: Operator }) {
  const [configured, setConfigured] = useState(false);
  const [busy, setBusy] = useState(false);
  const [changes, setChanges] = useState<DemoChange[]>([]);
  const [error, setError] = useState('');

  useEffect(() => {
    get<{ configured: boolean }>('/api/demo/settings')
      .then((s) => setConfigured(s.configured))
      .catch(() => setConfigured(false));
  }, []);

  // The scenario changes skara, lidkoping and gotene: an operator scoped to fewer would get 403.
  const mayAct = operator.role !== 'viewer' && (operator.tenants === 'all' || ['skara', 'lidkoping', 'gotene'].every((t) => operator.tenants.includes(t)));
  if (!configured || !mayAct) return null;

  const run = async () => {
    setBusy(true);
    setError('');
    try {
      setChanges((await post<{ changes: DemoChange[] }>('/api/demo/school-day', {})).changes);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="panel" data-testid="demo-changes">
      <h2>Demo register</h2>
      <button onClick={run} disabled={busy} data-testid="demo-school-day">
        {busy ? 'Making changes…' : "Make a school day's register changes"}
      </button>
      {error && <p class="warn" data-testid="demo-error">{error}</p>}
      {changes.length > 0 && (
        <ul data-testid="demo-change-list">
          {changes.map((c) => (
            <li data-testid="demo-change" data-kind={c.kind}>
              {c.description}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
