// The directory's ceiling: a raw ldapts loop adding the same kind of user objects the provisioner
// adds (optionally with a password, which is what makes Samba slow) into a scratch OU over a fixed
// number of connections, with no database, NATS or planning around it. bench:provisioner and
// `npm run bench` both compare the pipeline against this figure measured in the same run.
import { Client } from 'ldapts';
import { childDn, generateStrongPassword, toUnicodePwd, UAC_ENABLED } from '@skolkonto/directory';

export interface DirectoryCeilingOptions {
  ldap: { url: string; ca: string; bindDn: string; bindPassword: string };
  /** The scratch OU to create and fill (its parent must exist). */
  parentDn: string;
  count: number;
  connections: number;
  withPassword: boolean;
  /** sAMAccountName prefix, unique per run (names are unique domain-wide). */
  tag: string;
  /** Called after every add with the number added so far. */
  onProgress?: (done: number) => void;
  /** Checked before every add: true stops the loop early (e.g. on Ctrl-C). */
  shouldStop?: () => boolean;
}

export interface DirectoryCeiling {
  objects: number;
  connections: number;
  withPassword: boolean;
  seconds: number;
  perSecond: number;
}

export async function measureDirectoryCeiling(options: DirectoryCeilingOptions): Promise<DirectoryCeiling> {
  const { ldap, parentDn, count, connections } = options;
  const connect = async () => {
    const client = new Client({ url: ldap.url, tlsOptions: { ca: [ldap.ca], minVersion: 'TLSv1.2' } });
    await client.bind(ldap.bindDn, ldap.bindPassword);
    return client;
  };
  const admin = await connect();
  try {
    const ou = /^OU=([^,]+),/i.exec(parentDn)?.[1] ?? 'scratch';
    await admin.add(parentDn, { objectClass: ['top', 'organizationalUnit'], ou });
  } finally {
    await admin.unbind();
  }
  const clients = await Promise.all(Array.from({ length: connections }, connect));
  let next = 0;
  let done = 0;
  const start = performance.now();
  try {
    await Promise.all(
      clients.map(async (client) => {
        for (let i = next++; i < count && !options.shouldStop?.(); i = next++) {
          const sam = `${options.tag}${i}`;
          await client.add(childDn('CN', `Raw ${i} (${sam})`, parentDn), {
            objectClass: ['top', 'person', 'organizationalPerson', 'user'],
            sAMAccountName: sam,
            userPrincipalName: `${sam}@raw.skola.test`,
            givenName: 'Raw',
            sn: String(i),
            displayName: `Raw ${i}`,
            ...(options.withPassword
              ? {
                  unicodePwd: toUnicodePwd(generateStrongPassword()) as unknown as string,
                  userAccountControl: UAC_ENABLED,
                }
              : {}),
          });
          done += 1;
          options.onProgress?.(done);
        }
      }),
    );
  } finally {
    await Promise.all(clients.map((c) => c.unbind().catch(() => undefined)));
  }
  const seconds = (performance.now() - start) / 1000;
  return {
    objects: done,
    connections,
    withPassword: options.withPassword,
    seconds,
    perSecond: done / seconds,
  };
}
