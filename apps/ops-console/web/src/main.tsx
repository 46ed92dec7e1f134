import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { me, Operator, logout } from './api';
import { LoginPage } from './login-page';
import { LivePage } from './live-page';
import { PlansPage } from './plans-page';
import { ReviewsPage } from './reviews-page';
import { DeadLettersPage } from './dead-letters-page';
import { TimelinePage } from './timeline-page';
import { ClaimsPage } from './claims-page';
import './styles.css';

type Tab = 'live' | 'plans' | 'reviews' | 'dead-letters' | 'timeline' | 'claims';
const TABS: Array<[Tab, string]> = [
  ['live', 'Live'],
  ['plans', 'Plans'],
  ['reviews', 'Reviews'],
  ['dead-letters', 'Dead letters'],
  ['timeline', 'Person timeline'],
  ['claims', 'First sign-in'],
];

function currentTab(): Tab {
  const hash = location.hash.replace(/^#\/?/, '');
  return (TABS.find(([t]) => t === hash)?.[0] ?? 'live') as Tab;
}

function App() {
  const [operator, setOperator] = useState<Operator | null | undefined>(undefined);
  const [tab, setTab] = useState<Tab>(currentTab());

  useEffect(() => {
    me().then((o) => setOperator(o ?? null)).catch(() => setOperator(null));
    const onHash = () => setTab(currentTab());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  if (operator === undefined) return <p class="muted">Loading…</p>;
  if (operator === null) return <LoginPage onLogin={setOperator} />;

  return (
    <div class="shell">
      <header>
        <h1>skolkonto <span>ops console</span></h1>
        <nav>
          {TABS.map(([t, label]) => (
            <a href={`#/${t}`} class={t === tab ? 'active' : ''} data-testid={`tab-${t}`}>
              {label}
            </a>
          ))}
        </nav>
        <div class="who" data-testid="who">
          {operator.username} · {operator.role}
          <button
            class="link"
            onClick={async () => {
              await logout().catch(() => undefined);
              setOperator(null);
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main>
        {tab === 'live' && <LivePage operator={operator} />}
        {tab === 'plans' && <PlansPage operator={operator} />}
        {tab === 'reviews' && <ReviewsPage operator={operator} />}
        {tab === 'dead-letters' && <DeadLettersPage operator={operator} />}
        {tab === 'timeline' && <TimelinePage operator={operator} />}
        {tab === 'claims' && <ClaimsPage operator={operator} />}
      </main>
    </div>
  );
}

render(<App />, document.getElementById('app')!);
