// Typed SS 12000 v2.1 client: list endpoints with bounded pageToken paging, per-record validation,
// deletedEntities, lookups and webhook subscriptions. One instance per tenant register.
import { HttpTransport, type TransportOptions } from './http-transport';
import { Ss12000Error } from './ss12000.errors';
import {
  type CreateSubscription,
  type DeletedIds,
  type EntityByPath,
  type EntityPath,
  type ResourceType,
  type Subscription,
} from './types';
import { isUuid, type RecordRejection, validateRecord } from './validate-record';

export interface Ss12000ClientOptions extends TransportOptions {
  /** `limit` sent with every list request. Default 500. */
  pageSize?: number;
  /** A read stops with PAGE_LIMIT instead of fetching more pages than this. Default 10,000. */
  maxPages?: number;
}

export type QueryValue = string | number | boolean | Date | readonly (string | number)[];

export interface ListQuery {
  /** `meta.modified.after` — exclusive per the spec. */
  modifiedAfter?: string | Date;
  /** `meta.created.after` — exclusive per the spec. */
  createdAfter?: string | Date;
  /** Further first-page filters by their spec names, e.g. `{ expandReferenceNames: true }`. */
  params?: Record<string, QueryValue | undefined>;
  pageSize?: number;
  signal?: AbortSignal;
}

export interface RecordPage<T> {
  /** 1-based page number within this read. */
  page: number;
  records: T[];
  rejections: RecordRejection[];
  /** The token for the next page; null on the last page. */
  nextPageToken: string | null;
}

export type ReadAllResult<T> =
  | { complete: true; records: T[]; rejections: RecordRejection[]; pages: number }
  /** The read stopped early: never treat `records` as the register's full content. */
  | { complete: false; records: T[]; rejections: RecordRejection[]; pages: number; error: Ss12000Error };

export interface DeletedEntitiesQuery {
  /** Deletions strictly after this time. */
  after: string | Date;
  entities?: ResourceType[];
  pageSize?: number;
  signal?: AbortSignal;
}

export interface DeletedPage {
  page: number;
  deleted: DeletedIds;
  nextPageToken: string | null;
}

export type ReadDeletedResult =
  | { complete: true; deleted: DeletedIds; pages: number }
  | { complete: false; deleted: DeletedIds; pages: number; error: Ss12000Error };

export interface LookupResult<T> {
  records: T[];
  rejections: RecordRejection[];
}

const toTime = (value: string | Date) => (value instanceof Date ? value.toISOString() : value);

function appendParam(query: URLSearchParams, key: string, value: QueryValue | undefined): void {
  if (value === undefined) return;
  if (Array.isArray(value)) for (const v of value) query.append(key, String(v));
  else query.set(key, value instanceof Date ? value.toISOString() : String(value));
}

function emptyDeleted(): DeletedIds {
  return { persons: [], organisations: [], groups: [], duties: [], activities: [] };
}

/** Reads one `/deletedEntities` data object, tolerating both `activities` and the spec's `activitites`. */
export function toDeletedIds(data: unknown): DeletedIds {
  const out = emptyDeleted();
  if (typeof data !== 'object' || data === null) return out;
  const d = data as Record<string, unknown>;
  const take = (key: string): string[] => (Array.isArray(d[key]) ? (d[key] as unknown[]).filter(isUuid) : []);
  out.persons = take('persons');
  out.organisations = take('organisations');
  out.groups = take('groups');
  out.duties = take('duties');
  out.activities = [...new Set([...take('activities'), ...take('activitites')])];
  return out;
}

function mergeDeleted(into: DeletedIds, from: DeletedIds): void {
  for (const key of Object.keys(into) as (keyof DeletedIds)[]) into[key].push(...from[key]);
}

export class Ss12000Client {
  private readonly http: HttpTransport;

  constructor(private readonly options: Ss12000ClientOptions) {
    this.http = new HttpTransport(options);
  }

  persons(query?: ListQuery): AsyncGenerator<RecordPage<EntityByPath['persons']>> {
    return this.pages('persons', query);
  }

  organisations(query?: ListQuery): AsyncGenerator<RecordPage<EntityByPath['organisations']>> {
    return this.pages('organisations', query);
  }

  groups(query?: ListQuery): AsyncGenerator<RecordPage<EntityByPath['groups']>> {
    return this.pages('groups', query);
  }

  duties(query?: ListQuery): AsyncGenerator<RecordPage<EntityByPath['duties']>> {
    return this.pages('duties', query);
  }

  /**
   * Pages of one list endpoint. The first request carries the filters; later ones only pageToken
   * and limit, as the spec requires. Throws Ss12000Error PAGING_LOOP when a token repeats and
   * PAGE_LIMIT when the read would exceed maxPages.
   */
  async *pages<P extends EntityPath>(
    entity: P,
    query: ListQuery = {},
  ): AsyncGenerator<RecordPage<EntityByPath[P]>> {
    const limit = query.pageSize ?? this.options.pageSize ?? 500;
    const maxPages = this.options.maxPages ?? 10_000;
    const first = new URLSearchParams();
    if (query.modifiedAfter !== undefined) first.set('meta.modified.after', toTime(query.modifiedAfter));
    if (query.createdAfter !== undefined) first.set('meta.created.after', toTime(query.createdAfter));
    for (const [key, value] of Object.entries(query.params ?? {})) appendParam(first, key, value);
    first.set('limit', String(limit));

    for await (const { page, data, nextPageToken } of this.rawPages(
      `/${entity}`,
      first,
      limit,
      maxPages,
      query.signal,
    )) {
      if (!Array.isArray(data)) {
        throw new Ss12000Error('INVALID_RESPONSE', `GET /${entity} page ${page} has no data array`, {
          path: `/${entity}`,
          page,
        });
      }
      const records: EntityByPath[P][] = [];
      const rejections: RecordRejection[] = [];
      for (const raw of data) {
        const result = validateRecord(entity, raw);
        if (result.ok) records.push(result.record);
        else rejections.push(result.rejection);
      }
      yield { page, records, rejections, nextPageToken };
    }
  }

  /** Reads every page. Never throws for read failures: `complete: false` carries the error instead. */
  async readAll<P extends EntityPath>(entity: P, query?: ListQuery): Promise<ReadAllResult<EntityByPath[P]>> {
    const records: EntityByPath[P][] = [];
    const rejections: RecordRejection[] = [];
    let pages = 0;
    try {
      for await (const page of this.pages(entity, query)) {
        pages = page.page;
        records.push(...page.records);
        rejections.push(...page.rejections);
      }
      return { complete: true, records, rejections, pages };
    } catch (error) {
      if (!(error instanceof Ss12000Error)) throw error;
      return { complete: false, records, rejections, pages, error };
    }
  }

  /** One record by id; undefined when the register answers 404. Invalid records come back as a rejection. */
  async get<P extends EntityPath>(
    entity: P,
    id: string,
    signal?: AbortSignal,
  ): Promise<LookupResult<EntityByPath[P]> & { found: boolean }> {
    const res = await this.http.request({
      method: 'GET',
      path: `/${entity}/${encodeURIComponent(id)}`,
      accept: [404],
      signal,
    });
    if (res.status === 404) return { found: false, records: [], rejections: [] };
    const result = validateRecord(entity, res.body);
    return result.ok
      ? { found: true, records: [result.record], rejections: [] }
      : { found: true, records: [], rejections: [result.rejection] };
  }

  /** `POST /{entity}/lookup` with ids (and, for persons, civic numbers — sent in the body, never the URL). */
  async lookup<P extends EntityPath>(
    entity: P,
    body: { ids?: string[]; civicNos?: string[] },
    signal?: AbortSignal,
  ): Promise<LookupResult<EntityByPath[P]>> {
    const res = await this.http.request({ method: 'POST', path: `/${entity}/lookup`, body, signal });
    const data = Array.isArray(res.body) ? res.body : (res.body as { data?: unknown } | undefined)?.data;
    if (!Array.isArray(data)) {
      throw new Ss12000Error('INVALID_RESPONSE', `POST /${entity}/lookup has no data array`, {
        path: `/${entity}/lookup`,
      });
    }
    const out: LookupResult<EntityByPath[P]> = { records: [], rejections: [] };
    for (const raw of data) {
      const result = validateRecord(entity, raw);
      if (result.ok) out.records.push(result.record);
      else out.rejections.push(result.rejection);
    }
    return out;
  }

  /** Pages of `/deletedEntities?after=…&entities=…`, ids grouped per entity path. */
  async *deletedEntities(query: DeletedEntitiesQuery): AsyncGenerator<DeletedPage> {
    const limit = query.pageSize ?? this.options.pageSize ?? 500;
    const first = new URLSearchParams({ after: toTime(query.after) });
    if (query.entities?.length) first.set('entities', query.entities.join(','));
    first.set('limit', String(limit));
    const maxPages = this.options.maxPages ?? 10_000;
    for await (const { page, data, nextPageToken } of this.rawPages(
      '/deletedEntities',
      first,
      limit,
      maxPages,
      query.signal,
    )) {
      if (typeof data !== 'object' || data === null || Array.isArray(data)) {
        throw new Ss12000Error('INVALID_RESPONSE', `GET /deletedEntities page ${page} has no data object`, {
          path: '/deletedEntities',
          page,
        });
      }
      yield { page, deleted: toDeletedIds(data), nextPageToken };
    }
  }

  async readDeletedEntities(query: DeletedEntitiesQuery): Promise<ReadDeletedResult> {
    const deleted = emptyDeleted();
    let pages = 0;
    try {
      for await (const page of this.deletedEntities(query)) {
        pages = page.page;
        mergeDeleted(deleted, page.deleted);
      }
      return { complete: true, deleted, pages };
    } catch (error) {
      if (!(error instanceof Ss12000Error)) throw error;
      return { complete: false, deleted, pages, error };
    }
  }

  async createSubscription(body: CreateSubscription, signal?: AbortSignal): Promise<Subscription> {
    const res = await this.http.request({ method: 'POST', path: '/subscriptions', body, signal });
    return this.subscriptionFrom(res.body, 'POST /subscriptions');
  }

  /** Extends a subscription's expiry (the spec's PATCH has no body; the server picks the new expiry). */
  async renewSubscription(id: string, signal?: AbortSignal): Promise<Subscription> {
    const res = await this.http.request({
      method: 'PATCH',
      path: `/subscriptions/${encodeURIComponent(id)}`,
      signal,
    });
    return this.subscriptionFrom(res.body, 'PATCH /subscriptions/{id}');
  }

  async deleteSubscription(id: string, signal?: AbortSignal): Promise<void> {
    await this.http.request({
      method: 'DELETE',
      path: `/subscriptions/${encodeURIComponent(id)}`,
      accept: [404],
      signal,
    });
  }

  async listSubscriptions(signal?: AbortSignal): Promise<Subscription[]> {
    const out: Subscription[] = [];
    const first = new URLSearchParams({ limit: String(this.options.pageSize ?? 500) });
    const limit = this.options.pageSize ?? 500;
    for await (const { data } of this.rawPages(
      '/subscriptions',
      first,
      limit,
      this.options.maxPages ?? 10_000,
      signal,
    )) {
      if (!Array.isArray(data))
        throw new Ss12000Error('INVALID_RESPONSE', 'GET /subscriptions has no data array');
      for (const raw of data) out.push(this.subscriptionFrom(raw, 'GET /subscriptions'));
    }
    return out;
  }

  private subscriptionFrom(body: unknown, what: string): Subscription {
    const s = body as Partial<Subscription> | undefined;
    if (!s || typeof s.id !== 'string' || typeof s.expires !== 'string') {
      throw new Ss12000Error('INVALID_RESPONSE', `${what} answered without id and expires`);
    }
    return s as Subscription;
  }

  /** The paging loop shared by every list: bounded, loop-detecting, filters only on the first page. */
  private async *rawPages(
    path: string,
    first: URLSearchParams,
    limit: number,
    maxPages: number,
    signal?: AbortSignal,
  ): AsyncGenerator<{ page: number; data: unknown; nextPageToken: string | null }> {
    const seen = new Set<string>();
    let query = first;
    for (let page = 1; ; page++) {
      if (page > maxPages) {
        throw new Ss12000Error('PAGE_LIMIT', `GET ${path} still had more pages after ${maxPages}`, {
          path,
          page,
        });
      }
      const res = await this.http.request({ method: 'GET', path, query, signal });
      const body = res.body as { data?: unknown; pageToken?: unknown } | undefined;
      if (typeof body !== 'object' || body === null) {
        throw new Ss12000Error('INVALID_RESPONSE', `GET ${path} page ${page} is not a JSON object`, {
          path,
          page,
        });
      }
      const token = body.pageToken;
      if (token !== undefined && token !== null && typeof token !== 'string') {
        throw new Ss12000Error(
          'INVALID_RESPONSE',
          `GET ${path} page ${page} has a pageToken that is not a string`,
          {
            path,
            page,
          },
        );
      }
      const nextPageToken = token ? token : null;
      if (nextPageToken !== null) {
        if (seen.has(nextPageToken)) {
          throw new Ss12000Error('PAGING_LOOP', `GET ${path} repeated a pageToken on page ${page}`, {
            path,
            page,
          });
        }
        seen.add(nextPageToken);
      }
      yield { page, data: body.data, nextPageToken };
      if (nextPageToken === null) return;
      query = new URLSearchParams({ pageToken: nextPageToken, limit: String(limit) });
    }
  }
}

/** Which resource types a webhook names; tolerates `modifiedEntites` (spec) and `modifiedEntities`. */
export function parseWebhookNotification(body: unknown): {
  modified: ResourceType[];
  deletedEntities: boolean;
} {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const list = [b.modifiedEntites, b.modifiedEntities].flatMap((v) => (Array.isArray(v) ? v : []));
  const modified = [...new Set(list.filter((v): v is ResourceType => typeof v === 'string'))];
  return { modified, deletedEntities: b.deletedEntities === true };
}
