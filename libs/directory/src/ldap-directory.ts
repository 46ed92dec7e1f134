// The AD gateway: a small pool of service-account connections over LDAPS (or StartTLS) that always
// verify the server certificate against the configured CA, and the handful of operations the
// provisioner needs. Every failure leaves here as a DirectoryError (see toDirectoryError).
import { Attribute, Change, Client, Entry, Filter } from 'ldapts';
import type { ConnectionOptions } from 'node:tls';
import { toUnicodePwd } from './ad-account';
import { DirectoryError, toDirectoryError } from './directory-error';

export interface LdapDirectoryOptions {
  /** `ldaps://host:636`, or `ldap://host:389` which is then always upgraded with StartTLS. */
  url: string;
  /** PEM of the CA(s) that signed the directory's certificate. Required: there is no unverified mode. */
  ca: string | Buffer | Array<string | Buffer>;
  bindDn: string;
  bindPassword: string;
  /** Expected name on the certificate when it differs from the URL's host. */
  servername?: string;
  /** Connections kept open at most (default 4). */
  poolSize?: number;
  /** Per-operation timeout (default 30 s). */
  timeoutMs?: number;
  connectTimeoutMs?: number;
}

export type AttributeValue = string | Buffer | ReadonlyArray<string> | ReadonlyArray<Buffer>;
export type DirectoryAttributes = Record<string, AttributeValue>;

export interface DirectoryChange {
  operation: 'add' | 'delete' | 'replace';
  attribute: string;
  /** Empty with `replace` or `delete` removes every value. */
  values: ReadonlyArray<string> | ReadonlyArray<Buffer>;
}

export interface SearchRequest {
  scope?: 'base' | 'one' | 'sub';
  filter?: string | Filter;
  attributes?: string[];
  /** Attributes to return as Buffers (objectGUID is always binary). */
  binaryAttributes?: string[];
  pageSize?: number;
  sizeLimit?: number;
}

/** A search result entry: `dn` plus the requested attributes (binary ones as Buffers). */
export type DirectoryEntry = Entry;

const ALWAYS_BINARY = ['objectGUID', 'objectSid'];

export class LdapDirectory {
  private readonly idle: Client[] = [];
  private readonly waiters: Array<() => void> = [];
  private permits: number;
  private closed = false;
  private readonly secure: boolean;

  constructor(private readonly options: LdapDirectoryOptions) {
    const scheme = /^(ldaps?):\/\//i.exec(options.url)?.[1]?.toLowerCase();
    if (scheme !== 'ldap' && scheme !== 'ldaps') throw new Error(`LDAP URL must be ldaps:// or ldap:// (StartTLS): ${options.url}`);
    const cas = Array.isArray(options.ca) ? options.ca : [options.ca];
    if (cas.length === 0 || cas.some((ca) => String(ca).trim() === '')) {
      throw new Error('a CA certificate is required: the directory is only reached with certificate verification');
    }
    this.secure = scheme === 'ldaps';
    this.permits = Math.max(1, options.poolSize ?? 4);
  }

  /** Connections kept at most: how many operations callers should keep in flight to use them all. */
  get poolSize(): number {
    return Math.max(1, this.options.poolSize ?? 4);
  }

  /** Runs `fn` on a bound pooled connection; a connection that failed at transport level is dropped. */
  async withConnection<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    if (this.closed) throw new DirectoryError('UNAVAILABLE', 'directory client is closed');
    await this.takePermit();
    let client: Client | undefined;
    let healthy = true;
    try {
      client = await this.checkout();
      return await fn(client);
    } catch (error) {
      const mapped = toDirectoryError(error);
      if (mapped.code === 'UNAVAILABLE' && mapped.ldapCode === undefined) healthy = false;
      throw mapped;
    } finally {
      if (client) {
        if (healthy && !this.closed && client.isConnected) this.idle.push(client);
        else void client.unbind().catch(() => undefined);
      }
      this.givePermit();
    }
  }

  /** Adds an entry with all its attributes in one request (a failed add leaves nothing behind). */
  async add(dn: string, attributes: DirectoryAttributes): Promise<void> {
    const attrs = Object.entries(attributes)
      .filter(([, v]) => !(Array.isArray(v) && v.length === 0))
      .map(([type, v]) => new Attribute({ type, values: toValues(v) }));
    await this.withConnection((c) => c.add(dn, attrs));
  }

  async modify(dn: string, changes: DirectoryChange[]): Promise<void> {
    if (changes.length === 0) return;
    await this.withConnection((c) =>
      c.modify(
        dn,
        changes.map(
          (ch) => new Change({ operation: ch.operation, modification: new Attribute({ type: ch.attribute, values: [...ch.values] as string[] | Buffer[] }) }),
        ),
      ),
    );
  }

  /**
   * Sets (resets) an account's password as the service account: AD takes unicodePwd only over an
   * encrypted connection (always the case here) as the quoted UTF-16LE value. A password the domain's
   * policy refuses comes back as DirectoryError CONSTRAINT (LDAP 19, or 53 on some servers).
   */
  async setPassword(dn: string, password: string): Promise<void> {
    await this.modify(dn, [{ operation: 'replace', attribute: 'unicodePwd', values: [toUnicodePwd(password)] }]);
  }

  /** Renames and/or moves an entry: `newDn` is the complete new DN (build it with childDn). */
  async moveEntry(dn: string, newDn: string): Promise<void> {
    await this.withConnection((c) => c.modifyDN(dn, newDn));
  }

  async delete(dn: string): Promise<void> {
    await this.withConnection((c) => c.del(dn));
  }

  /** All matching entries, fetched page by page with the paged-results control. */
  async search(baseDn: string, request: SearchRequest = {}): Promise<DirectoryEntry[]> {
    const out: DirectoryEntry[] = [];
    for await (const page of this.searchPages(baseDn, request)) out.push(...page);
    return out;
  }

  /** Pages of matching entries; each page is fetched when the consumer asks for it. */
  async *searchPages(baseDn: string, request: SearchRequest = {}): AsyncGenerator<DirectoryEntry[]> {
    if (this.closed) throw new DirectoryError('UNAVAILABLE', 'directory client is closed');
    await this.takePermit();
    let client: Client | undefined;
    let healthy = true;
    try {
      client = await this.checkout();
      const pages = client.searchPaginated(baseDn, {
        scope: request.scope ?? 'sub',
        filter: request.filter ?? '(objectClass=*)',
        attributes: request.attributes,
        explicitBufferAttributes: [...ALWAYS_BINARY, ...(request.binaryAttributes ?? [])],
        paged: { pageSize: request.pageSize ?? 500 },
        sizeLimit: request.sizeLimit,
      });
      while (true) {
        let next: IteratorResult<{ searchEntries: Entry[] }>;
        try {
          next = await pages.next();
        } catch (error) {
          const mapped = toDirectoryError(error);
          if (mapped.code === 'UNAVAILABLE' && mapped.ldapCode === undefined) healthy = false;
          throw mapped;
        }
        if (next.done) break;
        yield next.value.searchEntries;
      }
    } catch (error) {
      const mapped = toDirectoryError(error);
      if (mapped.code === 'UNAVAILABLE' && mapped.ldapCode === undefined) healthy = false;
      throw mapped;
    } finally {
      if (client) {
        if (healthy && !this.closed && client.isConnected) this.idle.push(client);
        else void client.unbind().catch(() => undefined);
      }
      this.givePermit();
    }
  }

  /** One entry by DN (or `<GUID=…>`), or null when it does not exist. */
  async findEntry(dn: string, attributes?: string[]): Promise<DirectoryEntry | null> {
    try {
      const entries = await this.search(dn, { scope: 'base', attributes });
      return entries[0] ?? null;
    } catch (error) {
      if (error instanceof DirectoryError && error.code === 'NOT_FOUND') return null;
      throw error;
    }
  }

  /** Binds a throwaway connection as `dn` to check a password (used by tests and health checks). */
  async verifyCredentials(dn: string, password: string): Promise<void> {
    const client = this.newClient();
    try {
      await this.secureConnection(client);
      await client.bind(dn, password);
    } catch (error) {
      throw toDirectoryError(error);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  /** Closes every pooled connection; later calls fail as UNAVAILABLE. */
  async close(): Promise<void> {
    this.closed = true;
    const clients = this.idle.splice(0);
    await Promise.all(clients.map((c) => c.unbind().catch(() => undefined)));
  }

  private async checkout(): Promise<Client> {
    while (this.idle.length > 0) {
      const client = this.idle.pop()!;
      if (client.isConnected && client.isBound) return client;
      void client.unbind().catch(() => undefined);
    }
    const client = this.newClient();
    try {
      await this.secureConnection(client);
      await client.bind(this.options.bindDn, this.options.bindPassword);
      return client;
    } catch (error) {
      await client.unbind().catch(() => undefined);
      throw toDirectoryError(error);
    }
  }

  private newClient(): Client {
    return new Client({
      url: this.options.url,
      timeout: this.options.timeoutMs ?? 30_000,
      connectTimeout: this.options.connectTimeoutMs ?? 10_000,
      // StartTLS takes its options in startTLS(); passing them here would be ignored for ldap://.
      tlsOptions: this.secure ? this.tlsOptions() : undefined,
    });
  }

  private async secureConnection(client: Client): Promise<void> {
    // startTLS mutates the options object it is given: always hand it a fresh one.
    if (!this.secure) await client.startTLS(this.tlsOptions());
  }

  private tlsOptions(): ConnectionOptions {
    const cas = Array.isArray(this.options.ca) ? this.options.ca : [this.options.ca];
    return {
      ca: cas.map((ca) => (typeof ca === 'string' ? ca : Buffer.from(ca))),
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
      servername: this.options.servername,
    };
  }

  private async takePermit(): Promise<void> {
    if (this.permits > 0) {
      this.permits -= 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private givePermit(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.permits += 1;
  }
}

function toValues(value: AttributeValue): string[] | Buffer[] {
  if (typeof value === 'string') return [value];
  if (Buffer.isBuffer(value)) return [value];
  return [...value] as string[] | Buffer[];
}

/** The first value of an attribute as a string ('' when absent). */
export function attributeString(entry: DirectoryEntry, attribute: string): string {
  const v = attributeRaw(entry, attribute);
  const first = Array.isArray(v) ? v[0] : v;
  if (first === undefined) return '';
  return Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
}

/** All values of an attribute as strings. */
export function attributeStrings(entry: DirectoryEntry, attribute: string): string[] {
  const v = attributeRaw(entry, attribute);
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x)));
}

/** The first value of a binary attribute. */
export function attributeBuffer(entry: DirectoryEntry, attribute: string): Buffer | undefined {
  const v = attributeRaw(entry, attribute);
  const first = Array.isArray(v) ? v[0] : v;
  if (first === undefined) return undefined;
  return Buffer.isBuffer(first) ? first : Buffer.from(String(first), 'utf8');
}

/** Attribute names are case-insensitive in LDAP; entries carry them as the server spelled them. */
function attributeRaw(entry: DirectoryEntry, attribute: string): DirectoryEntry[string] | undefined {
  if (attribute in entry) return entry[attribute];
  const lower = attribute.toLowerCase();
  const key = Object.keys(entry).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : entry[key];
}
