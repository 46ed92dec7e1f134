// Consumer lag per tenant, the pure part. A durable consumer's info only counts its whole filter
// (`identity.*.person.changed`, all tenants at once), so the console narrows the filter to one
// tenant and lets the server count that subject from the consumer's positions.

/**
 * The consumer's filter narrowed to the tenant of `subject`, a stored subject it matches: the
 * tokens up to and including the tenant are taken from the subject, the rest of the filter is
 * kept. Subjects are `[<namespace>.]<domain>.<tenant>.…`. The result is a subset of the stream's
 * subjects (the server refuses a consumer whose filter is not: `*.*.skara.>` on `t1.identity.>`),
 * and two results with different heads match disjoint messages, so their counts add up. An
 * empty filter is the whole stream.
 */
export function narrowToTenant(filter: string, subject: string, namespace: string): string {
  const at = (namespace ? namespace.split('.').length : 0) + 1;
  const head = subject.split('.').slice(0, at + 1);
  const tokens = (filter || '>').split('.');
  const tail = tokens.indexOf('>');
  // A subject that ends at the tenant is not matched by `<head>.>`: it is its own filter.
  if (tail >= 0 && tail <= at) return subject.split('.').length === at + 1 ? subject : [...head, '>'].join('.');
  return [...head, ...tokens.slice(at + 1)].join('.');
}

/** The tenant token of a stored (namespaced) subject. */
export function tenantOfSubject(subject: string, namespace: string): string | undefined {
  const at = (namespace ? namespace.split('.').length : 0) + 1;
  return subject.split('.')[at];
}

/**
 * One tenant's share of a consumer's unacknowledged messages. The server says how many are
 * unacknowledged (`ackPending`) but not which, and messages above the ack floor may already be
 * acknowledged out of order. What is known: the tenant's own messages delivered above the floor
 * (`tenantWindow`) and everyone's (`window`). The share lies between what the other tenants cannot
 * hold and what the tenant can; `exact` when those meet (no out-of-order acks, or one tenant).
 */
export function shareOfAckPending(ackPending: number, window: number, tenantWindow: number): { ackPending: number; exact: boolean } {
  const upper = Math.min(tenantWindow, ackPending);
  const lower = Math.min(upper, Math.max(0, ackPending - Math.max(0, window - tenantWindow)));
  return { ackPending: upper, exact: lower === upper };
}
