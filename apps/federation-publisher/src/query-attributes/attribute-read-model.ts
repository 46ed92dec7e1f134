import { Logger } from '@nestjs/common';
import type { FederationAttributeValues } from '@skolkonto/domain';
import type { Notification, Pool, PoolClient } from 'pg';

/** What the attribute API needs of one person whose attributes are released. */
export interface ReleasedPerson {
  identityId: string;
  tenant: string;
  protectedIdentity: boolean;
  attributes: FederationAttributeValues;
  civicNo: string | null;
  eduPersonUniqueId: string | null;
  /** Lower-case principals the person is found by. */
  accountName: string | null;
  userPrincipalName: string | null;
  eduPersonPrincipalName: string | null;
  objectGuid: string | null;
}

interface Row {
  identity_id: string;
  tenant: string;
  protected_identity: boolean;
  attributes: FederationAttributeValues | null;
  civic_no: string | null;
  edu_person_unique_id: string | null;
  edu_person_principal_name: string | null;
  account_name: string | null;
  user_principal_name: string | null;
  object_guid: string | null;
}

export const CHANGE_CHANNEL = 'federation_person_changed';

const SELECT = `SELECT p.identity_id::text, p.tenant, p.protected_identity, p.attributes, s.civic_no,
       i.edu_person_unique_id, i.edu_person_principal_name, p.account_name, p.user_principal_name, p.object_guid::text
  FROM federation_person p
  LEFT JOIN federation_identifier i ON i.identity_id = p.identity_id
  LEFT JOIN federation_sensitive s ON s.identity_id = p.identity_id`;

type PrincipalKind = 'name' | 'upn' | 'eppn' | 'guid';

/**
 * The attribute API's in-memory view of every person with released attributes, indexed by each
 * principal an IdP may send, so a query costs no database round trip (the API answers IdPs during
 * logins, several hundred times a second at school start).
 *
 * Kept current from the database's own change events: a trigger sends NOTIFY federation_person_changed
 * with the identity id after each committed change (migration federation_person_change_notify); the
 * model reloads exactly those rows, one batch at a time so an older read never overwrites a newer one.
 * It listens before the first full load, so no change falls between the two, and loads everything
 * again after the listening connection is lost. Every replica keeps its own copy: it sees the changes
 * other replicas commit, not only its own.
 */
export class AttributeReadModel {
  private readonly logger = new Logger(AttributeReadModel.name);
  private people = new Map<string, ReleasedPerson>();
  private indexes = emptyIndexes();
  private listener?: PoolClient;
  private pending = new Set<string>();
  private flushing?: Promise<void>;
  private reloadAll = false;
  private loading = false;
  private stopped = false;
  private current = false;
  private reconnectTimer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;

  constructor(
    private readonly pool: Pool,
    private readonly options: { reconnectMs?: number } = {},
  ) {}

  /** Listens for changes, then loads every released person. Resolves once the model is current. */
  async start(): Promise<void> {
    await this.listen();
    // Changes announced while the first load runs wait for it: a row reloaded meanwhile could
    // otherwise be overwritten by the load's older snapshot.
    this.loading = true;
    try {
      await this.loadAll();
    } finally {
      this.loading = false;
    }
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.retryTimer);
    await this.flushing;
    const listener = this.listener;
    this.listener = undefined;
    if (listener) {
      listener.removeAllListeners('notification');
      listener.removeAllListeners('error');
      listener.on('error', () => undefined);
      await listener.query(`UNLISTEN ${CHANGE_CHANNEL}`).catch(() => undefined);
      listener.release();
    }
  }

  /** False while the change feed is down (answers may be behind until it is back and reloaded). */
  isCurrent(): boolean {
    return this.current;
  }

  get size(): number {
    return this.people.size;
  }

  /**
   * The released person a principal names within the given tenants: sAMAccountName, UPN or ePPN
   * (anything with "@"), or an AD objectGUID. Undefined when none or more than one matches (the same
   * name in two of the client's tenants is not answered).
   */
  find(principal: string, tenants: readonly string[]): ReleasedPerson | undefined {
    const value = principal.trim().toLowerCase();
    let candidates: ReleasedPerson[];
    if (UUID.test(value)) candidates = this.indexes.guid.get(value) ?? [];
    else if (value.includes('@')) candidates = [...(this.indexes.eppn.get(value) ?? []), ...(this.indexes.upn.get(value) ?? [])];
    else candidates = this.indexes.name.get(value) ?? [];
    let found: ReleasedPerson | undefined;
    for (const person of candidates) {
      if (!tenants.includes(person.tenant) || person === found) continue;
      if (found) return undefined;
      found = person;
    }
    return found;
  }

  private async listen(): Promise<void> {
    const client = await this.pool.connect();
    client.on('notification', (message: Notification) => {
      if (message.channel !== CHANGE_CHANNEL || !message.payload) return;
      this.pending.add(message.payload);
      this.schedule();
    });
    client.on('error', (error: Error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    try {
      await client.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch (error) {
      client.release(error as Error);
      throw error;
    }
    this.listener = client;
  }

  private lost(client: PoolClient, error: Error): void {
    if (this.listener !== client || this.stopped) return;
    this.listener = undefined;
    this.current = false;
    client.release(error);
    this.logger.warn({ error: error.message }, 'attribute read model lost its change feed; reconnecting and reloading');
    const retry = () => {
      if (this.stopped) return;
      this.listen().then(
        () => {
          this.reloadAll = true;
          this.schedule();
        },
        () => {
          this.reconnectTimer = setTimeout(retry, this.options.reconnectMs ?? 1000);
        },
      );
    };
    retry();
  }

  /** One batch at a time: ids that arrive while a batch loads wait for the next one. */
  private schedule(): void {
    if (this.flushing || this.retryTimer || this.loading || this.stopped) return;
    if (!this.reloadAll && this.pending.size === 0) return;
    // `finally` runs after the assignment, so a batch that ends at once cannot leave `flushing` set.
    this.flushing = this.flush().finally(() => {
      this.flushing = undefined;
      if (this.reloadAll || this.pending.size > 0) this.schedule();
    });
  }

  private async flush(): Promise<void> {
    try {
      while (!this.stopped && (this.reloadAll || this.pending.size > 0)) {
        if (this.reloadAll) {
          this.reloadAll = false;
          this.pending.clear();
          await this.loadAll();
          continue;
        }
        const ids = [...this.pending];
        this.pending.clear();
        await this.reload(ids);
      }
    } catch (error) {
      // The database is unreachable: load the whole model again shortly rather than drop the ids.
      this.current = false;
      this.reloadAll = true;
      this.logger.warn({ error: (error as Error).message }, 'attribute read model could not reload; retrying');
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.schedule();
      }, this.options.reconnectMs ?? 1000);
    }
  }

  private async loadAll(): Promise<void> {
    const { rows } = await this.pool.query<Row>(`${SELECT} WHERE p.attributes IS NOT NULL`);
    const people = new Map<string, ReleasedPerson>();
    const indexes = emptyIndexes();
    for (const row of rows) {
      const person = toPerson(row);
      people.set(person.identityId, person);
      addToIndexes(indexes, person);
    }
    this.people = people;
    this.indexes = indexes;
    this.current = this.listener !== undefined;
  }

  private async reload(ids: string[]): Promise<void> {
    const { rows } = await this.pool.query<Row>({ name: 'federation-read-model-reload', text: `${SELECT} WHERE p.identity_id = ANY($1::uuid[])`, values: [ids] });
    const found = new Map(rows.map((row) => [row.identity_id, row]));
    for (const id of ids) {
      const old = this.people.get(id);
      if (old) {
        removeFromIndexes(this.indexes, old);
        this.people.delete(id);
      }
      const row = found.get(id);
      if (row?.attributes) {
        const person = toPerson(row);
        this.people.set(id, person);
        addToIndexes(this.indexes, person);
      }
    }
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Indexes = Record<PrincipalKind, Map<string, ReleasedPerson[]>>;

function emptyIndexes(): Indexes {
  return { name: new Map(), upn: new Map(), eppn: new Map(), guid: new Map() };
}

function keysOf(person: ReleasedPerson): Array<[PrincipalKind, string | null]> {
  return [
    ['name', person.accountName],
    ['upn', person.userPrincipalName],
    ['eppn', person.eduPersonPrincipalName],
    ['guid', person.objectGuid],
  ];
}

function addToIndexes(indexes: Indexes, person: ReleasedPerson): void {
  for (const [kind, key] of keysOf(person)) {
    if (!key) continue;
    const list = indexes[kind].get(key);
    if (list) list.push(person);
    else indexes[kind].set(key, [person]);
  }
}

function removeFromIndexes(indexes: Indexes, person: ReleasedPerson): void {
  for (const [kind, key] of keysOf(person)) {
    if (!key) continue;
    const rest = (indexes[kind].get(key) ?? []).filter((entry) => entry !== person);
    if (rest.length > 0) indexes[kind].set(key, rest);
    else indexes[kind].delete(key);
  }
}

function toPerson(row: Row): ReleasedPerson {
  return {
    identityId: row.identity_id,
    tenant: row.tenant,
    protectedIdentity: row.protected_identity,
    attributes: row.attributes!,
    civicNo: row.civic_no,
    eduPersonUniqueId: row.edu_person_unique_id,
    accountName: row.account_name?.toLowerCase() ?? null,
    userPrincipalName: row.user_principal_name?.toLowerCase() ?? null,
    eduPersonPrincipalName: row.edu_person_principal_name?.toLowerCase() ?? null,
    objectGuid: row.object_guid?.toLowerCase() ?? null,
  };
}
