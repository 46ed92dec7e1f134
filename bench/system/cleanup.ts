// Removes the run's OU from Samba AD: thousands of accounts would otherwise pile up run after run.
// Groups go first: deleting an account that is still a member rewrites each of its groups, and a
// group of thousands of members made a 10,000-person cleanup run at about 10 deletes/s. Then the
// rest level by level, deepest first, over a few connections.
import { Client } from 'ldapts';

/** RDNs in a DN: commas not escaped by a backslash. */
function dnDepth(dn: string): number {
  let separators = 0;
  for (let i = 0; i < dn.length; i++) {
    if (dn[i] === '\\') i++;
    else if (dn[i] === ',') separators++;
  }
  return separators + 1;
}

export async function removeSubtree(
  ldap: { url: string; ca: Buffer; bindDn: string; bindPassword: string },
  dn: string,
  connections: number,
  onProgress?: (done: number, total: number) => void,
): Promise<number> {
  const clients = await Promise.all(
    Array.from({ length: connections }, async () => {
      const client = new Client({
        url: ldap.url,
        timeout: 60_000,
        tlsOptions: { ca: [ldap.ca], minVersion: 'TLSv1.2' },
      });
      await client.bind(ldap.bindDn, ldap.bindPassword);
      return client;
    }),
  );
  try {
    let entries: string[];
    try {
      const { searchEntries } = await clients[0]!.search(dn, {
        scope: 'sub',
        filter: '(objectClass=*)',
        attributes: ['1.1'],
        paged: { pageSize: 1000 },
      });
      entries = searchEntries.map((entry) => entry.dn);
    } catch (error) {
      if ((error as { code?: unknown }).code === 32) return 0;
      throw error;
    }
    const { searchEntries: groupEntries } = await clients[0]!.search(dn, {
      scope: 'sub',
      filter: '(objectClass=group)',
      attributes: ['1.1'],
      paged: { pageSize: 1000 },
    });
    const groups = new Set(groupEntries.map((entry) => entry.dn));
    const levels = new Map<number, string[]>();
    for (const entry of entries) {
      if (groups.has(entry)) continue;
      const depth = dnDepth(entry);
      levels.set(depth, [...(levels.get(depth) ?? []), entry]);
    }
    let done = 0;
    const rounds = [[...groups], ...[...levels.keys()].sort((a, b) => b - a).map((depth) => levels.get(depth)!)];
    for (const level of rounds) {
      let next = 0;
      await Promise.all(
        clients.map(async (client) => {
          for (let i = next++; i < level.length; i = next++) {
            try {
              await client.del(level[i]!);
            } catch (error) {
              if ((error as { code?: unknown }).code !== 32) throw error;
            }
            onProgress?.(++done, entries.length);
          }
        }),
      );
    }
    return entries.length;
  } finally {
    await Promise.all(clients.map((client) => client.unbind().catch(() => undefined)));
  }
}
