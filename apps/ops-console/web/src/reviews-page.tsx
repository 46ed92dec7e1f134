import { useEffect, useState } from 'preact/hooks';
import { get, Operator, post, query } from './api';

interface Candidate {
  identityId: string;
  matchedOn: string[];
  displayName: string | null;
  accountName: string | null;
  eppn: string | null;
  registerIds: string[];
  status: string | null;
  version: number | null;
}

interface Review {
  reviewId: string;
  tenant: string;
  sourceApp: string;
  kind: string;
  reason: string;
  record: { system?: string; entity?: string; id?: string; registerId?: string };
  requestedAt: string;
  status: 'open' | 'resolved';
  decision: 'link' | 'keep-separate' | null;
  keepIdentityId: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  comment: string | null;
  candidates: Candidate[];
}

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString('sv-SE') : '');

/** The decision form: link (naming the identity to keep) or keep separate, always with a comment. */
function ResolveForm({ review, onResolved }: { review: Review; onResolved: () => void }) {
  const [decision, setDecision] = useState<'link' | 'keep-separate'>('link');
  const [keep, setKeep] = useState<string>();
  const [comment, setComment] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setBusy(true);
    try {
      await post(`/api/reviews/${review.reviewId}/resolve`, {
        decision,
        ...(decision === 'link' ? { keepIdentityId: keep } : {}),
        comment,
      });
      onResolved();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="resolve" onSubmit={submit} data-testid="resolve-form">
      <fieldset>
        <label>
          <input
            type="radio"
            name={`decision-${review.reviewId}`}
            checked={decision === 'link'}
            onChange={() => setDecision('link')}
            data-testid="decision-link"
          />{' '}
          Link — one person
        </label>
        <label>
          <input
            type="radio"
            name={`decision-${review.reviewId}`}
            checked={decision === 'keep-separate'}
            onChange={() => setDecision('keep-separate')}
            data-testid="decision-keep-separate"
          />{' '}
          Keep separate — different persons
        </label>
      </fieldset>
      {decision === 'link' && (
        <fieldset>
          <legend>Identity to keep (the others are deactivated as merged and their accounts disabled)</legend>
          {review.candidates.map((c) => (
            <label>
              <input
                type="radio"
                name={`keep-${review.reviewId}`}
                checked={keep === c.identityId}
                onChange={() => setKeep(c.identityId)}
                data-testid="keep"
                data-identity-id={c.identityId}
              />{' '}
              {c.displayName ?? 'protected / unknown name'}{' '}
              {c.accountName && <span class="muted">({c.accountName})</span>}
            </label>
          ))}
        </fieldset>
      )}
      <label class="comment">
        Comment (required)
        <textarea
          required
          rows={2}
          value={comment}
          onInput={(e) => setComment(e.currentTarget.value)}
          data-testid="review-comment"
        />
      </label>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="actions">
        <button
          type="submit"
          disabled={busy || !comment.trim() || (decision === 'link' && !keep)}
          data-testid="resolve"
        >
          Resolve
        </button>
      </div>
    </form>
  );
}

export function ReviewsPage({ operator }: { operator: Operator }) {
  const [reviews, setReviews] = useState<Review[]>([]);
  const [status, setStatus] = useState('open');
  const [civicNumber, setCivicNumber] = useState('');
  const [search, setSearch] = useState('');
  const [error, setError] = useState<string>();
  const canResolve = operator.role !== 'viewer';

  const load = () =>
    get<Review[]>(`/api/reviews${query({ status, civicNumber: search })}`)
      .then((r) => {
        setReviews(r);
        setError(undefined);
      })
      .catch((e) => setError(e.message));
  useEffect(() => {
    void load();
    const timer = setInterval(load, 3000);
    return () => clearInterval(timer);
  }, [status, search]);

  const tenants = [...new Set(reviews.map((r) => r.tenant))].sort();

  return (
    <section>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setSearch(civicNumber.trim());
        }}
      >
        <select
          value={status}
          onChange={(e) => setStatus(e.currentTarget.value)}
          data-testid="review-status-filter"
        >
          <option value="open">open</option>
          <option value="resolved">resolved</option>
          <option value="">all</option>
        </select>
        {operator.role === 'admin' && (
          <>
            <input
              placeholder="civic number (admins)"
              value={civicNumber}
              onInput={(e) => setCivicNumber(e.currentTarget.value)}
              data-testid="review-civic-search"
            />
            <button type="submit">Find</button>
          </>
        )}
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {reviews.length === 0 && <p class="muted">No reviews.</p>}
      {tenants.map((tenant) => (
        <div key={tenant} data-testid="review-tenant" data-tenant={tenant}>
          <h2 class="tenant-heading">{tenant}</h2>
          {reviews
            .filter((r) => r.tenant === tenant)
            .map((review) => (
              // Keyed: a review arriving while an operator fills in a form must not move the form to another review.
              <article
                key={review.reviewId}
                class="panel review"
                data-testid="review"
                data-review-id={review.reviewId}
              >
                <h2>
                  {review.kind} · {review.sourceApp} ·{' '}
                  <span class={`status-${review.status}`} data-testid="review-status">
                    {review.status}
                  </span>
                </h2>
                <p>
                  {review.reason} <span class="muted">requested {when(review.requestedAt)}</span>
                </p>
                <p class="muted">
                  raised by {review.record.entity} {review.record.id}
                  {review.record.registerId && ` (register ${review.record.registerId})`}
                </p>
                <table>
                  <thead>
                    <tr>
                      <th>identity</th>
                      <th>name</th>
                      <th>account</th>
                      <th>ePPN</th>
                      <th>status</th>
                      <th>matched on</th>
                    </tr>
                  </thead>
                  <tbody>
                    {review.candidates.map((c) => (
                      <tr key={c.identityId} data-testid="candidate" data-identity-id={c.identityId}>
                        <td>
                          <code>{c.identityId.slice(0, 8)}</code>
                          {review.keepIdentityId === c.identityId && <strong class="ok"> kept</strong>}
                        </td>
                        <td>{c.displayName ?? <span class="muted">—</span>}</td>
                        <td>{c.accountName ?? <span class="muted">—</span>}</td>
                        <td>{c.eppn ?? <span class="muted">—</span>}</td>
                        <td data-testid="candidate-status">
                          {c.status ?? '—'}
                          {c.version !== null && <span class="muted"> v{c.version}</span>}
                        </td>
                        <td>{c.matchedOn.join(', ')}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                {review.status === 'open' && canResolve ? (
                  <ResolveForm review={review} onResolved={load} />
                ) : review.decidedBy ? (
                  <p class="muted" data-testid="review-decided">
                    {review.decision} by {review.decidedBy} {when(review.decidedAt)}
                    {review.comment && ` — ${review.comment}`}
                  </p>
                ) : null}
              </article>
            ))}
        </div>
      ))}
    </section>
  );
}
