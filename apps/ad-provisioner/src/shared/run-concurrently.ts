// Runs fn over the items with at most `limit` calls in flight (keeps every pooled LDAP connection busy).
export async function runConcurrently<T>(items: ReadonlyArray<T>, limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
