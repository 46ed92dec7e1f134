import { useEffect, useState } from 'preact/hooks';
import { get, Operator, post } from './api';

interface Operation {
  index: number;
  action: string;
  target: string;
  identityId?: string;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

interface Plan {
  planId: string;
  tenant: string;
  owner: string;
  reason: string;
  operations: { operations: Operation[]; thresholds: Array<{ kind: string; limit: number; actual: number }> };
  heldAt: string;
  status: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
}

const show = (v: unknown) => (v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v));

function Diff({ before, after }: { before?: Record<string, unknown> | null; after?: Record<string, unknown> | null }) {
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])];
  if (keys.length === 0) return <span class="muted">—</span>;
  return (
    <table class="diff">
      <tbody>
        {keys.map((k) => {
          const b = show(before?.[k]);
          const a = show(after?.[k]);
          return (
            <tr class={a !== b ? 'changed' : ''}>
              <th>{k}</th>
              <td class="before">{b}</td>
              <td class="after">{a}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function PlansPage({ operator }: { operator: Operator }) {
  const [plans, setPlans] = useState<Plan[]>([]);
  const [status, setStatus] = useState('held');
  const [error, setError] = useState<string>();
  const canDecide = operator.role !== 'viewer';

  const load = () => get<Plan[]>(`/api/plans${status ? `?status=${status}` : ''}`).then(setPlans).catch((e) => setError(e.message));
  useEffect(() => {
    void load();
    const timer = setInterval(load, 3000);
    return () => clearInterval(timer);
  }, [status]);

  const decide = async (plan: Plan, decision: 'approve' | 'reject') => {
    setError(undefined);
    try {
      if (decision === 'reject') {
        const reason = prompt('Why is this plan rejected?');
        if (!reason) return;
        await post(`/api/plans/${plan.planId}/reject`, { reason });
      } else {
        await post(`/api/plans/${plan.planId}/approve`, {});
      }
      await load();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <section>
      <div class="filters">
        <select value={status} onChange={(e) => setStatus(e.currentTarget.value)} data-testid="plan-status-filter">
          <option value="held">held</option>
          <option value="approved">approved</option>
          <option value="rejected">rejected</option>
          <option value="">all</option>
        </select>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      {plans.length === 0 && <p class="muted">No plans.</p>}
      {plans.map((plan) => (
        <article class="panel plan" data-testid="plan" data-plan-id={plan.planId}>
          <h2>
            {plan.tenant} · {plan.owner} · <span class={`status-${plan.status}`} data-testid="plan-status">{plan.status}</span>
          </h2>
          <p>
            {plan.reason} <span class="muted">held {new Date(plan.heldAt).toLocaleString('sv-SE')}</span>
          </p>
          {plan.operations.thresholds?.map((t) => (
            <p class="warn">
              threshold ({t.kind}) {t.actual} &gt; {t.limit}
            </p>
          ))}
          <table>
            <thead>
              <tr>
                <th>#</th>
                <th>action</th>
                <th>target</th>
                <th>before → after</th>
              </tr>
            </thead>
            <tbody>
              {plan.operations.operations?.map((op) => (
                <tr>
                  <td>{op.index}</td>
                  <td>{op.action}</td>
                  <td>{op.target}</td>
                  <td>
                    <Diff before={op.before} after={op.after} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {plan.status === 'held' && canDecide ? (
            <div class="actions">
              <button onClick={() => decide(plan, 'approve')} data-testid="approve">
                Approve
              </button>
              <button class="danger" onClick={() => decide(plan, 'reject')} data-testid="reject">
                Reject
              </button>
            </div>
          ) : plan.decidedBy ? (
            <p class="muted" data-testid="decided-by">
              {plan.status} by {plan.decidedBy} {plan.decidedAt && new Date(plan.decidedAt).toLocaleString('sv-SE')}
              {plan.decisionNote && ` — ${plan.decisionNote}`}
            </p>
          ) : null}
        </article>
      ))}
    </section>
  );
}
