import { useEffect, useState } from 'preact/hooks';
import { get, Operator, post } from './api';

interface DeadLetter {
  sequence: number;
  tenant: string | null;
  originalSubject: string;
  reason: string;
  attempts: string | null;
  consumer: string | null;
  storedAt: string;
  payload: unknown;
}

export function DeadLettersPage({ operator }: { operator: Operator }) {
  const [letters, setLetters] = useState<DeadLetter[]>([]);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [open, setOpen] = useState<number>();
  const [message, setMessage] = useState<string>();
  const [error, setError] = useState<string>();
  const canAct = operator.role !== 'viewer';

  const load = () => get<DeadLetter[]>('/api/dead-letters').then(setLetters).catch((e) => setError(e.message));
  useEffect(() => {
    void load();
    const timer = setInterval(load, 5000);
    return () => clearInterval(timer);
  }, []);

  const toggle = (seq: number) => {
    const next = new Set(selected);
    if (next.has(seq)) next.delete(seq);
    else next.add(seq);
    setSelected(next);
  };

  const act = async (action: 'replay' | 'discard', sequences: number[]) => {
    setError(undefined);
    try {
      if (action === 'discard') {
        const reason = prompt('Why are these discarded?');
        if (!reason) return;
        await post('/api/dead-letters/discard', { sequences, reason });
        setMessage(`discarded ${sequences.length}`);
      } else {
        const result = await post<{ replayed: number[] }>('/api/dead-letters/replay', { sequences });
        setMessage(`replayed ${result.replayed.length}`);
      }
      setSelected(new Set());
      await load();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <section>
      {canAct && (
        <div class="actions">
          <button disabled={selected.size === 0} onClick={() => act('replay', [...selected])} data-testid="replay-selected">
            Replay selected ({selected.size})
          </button>
          <button class="danger" disabled={selected.size === 0} onClick={() => act('discard', [...selected])}>
            Discard selected
          </button>
        </div>
      )}
      {message && <p class="ok" data-testid="dead-letter-message">{message}</p>}
      {error && <p class="error" role="alert">{error}</p>}
      <table class="events" data-testid="dead-letters">
        <thead>
          <tr>
            <th></th>
            <th>#</th>
            <th>tenant</th>
            <th>original subject</th>
            <th>reason</th>
            <th>stored</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {letters.map((d) => (
            <>
              <tr data-testid="dead-letter" data-sequence={d.sequence}>
                <td>{canAct && <input type="checkbox" checked={selected.has(d.sequence)} onChange={() => toggle(d.sequence)} />}</td>
                <td>{d.sequence}</td>
                <td>{d.tenant}</td>
                <td>{d.originalSubject}</td>
                <td>{d.reason}</td>
                <td>{new Date(d.storedAt).toLocaleString('sv-SE')}</td>
                <td>
                  <button class="link" onClick={() => setOpen(open === d.sequence ? undefined : d.sequence)}>
                    payload
                  </button>
                  {canAct && (
                    <button onClick={() => act('replay', [d.sequence])} data-testid="replay">
                      Replay
                    </button>
                  )}
                </td>
              </tr>
              {open === d.sequence && (
                <tr>
                  <td colSpan={7}>
                    <pre class="payload">{JSON.stringify(d.payload, null, 2)}</pre>
                  </td>
                </tr>
              )}
            </>
          ))}
          {letters.length === 0 && (
            <tr>
              <td colSpan={7} class="muted">
                No dead letters.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}
