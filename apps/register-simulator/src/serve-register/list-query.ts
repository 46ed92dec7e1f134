// Paging and filters of the SS 12000 list endpoints, as pure functions over the in-memory
// register. Pages are keyset-paged by id, so a change during a read never skips or repeats a
// record that stays. The pageToken is opaque to clients: it carries the filters of the first
// request, which is why later requests may send only pageToken and limit.
import type { EntityPath } from '@skolkonto/ss12000';
import type { RegisterDocument } from '../register-store/register-store.service';
import type { StoredDeletion } from '../register-store/register.repository';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type QueryInput = Record<string, unknown>;

export interface ListFilters {
  modifiedAfter?: number;
  modifiedBefore?: number;
  createdAfter?: number;
  createdBefore?: number;
  /** Entity-specific filters by their spec names, values as lists. */
  match?: Record<string, string[]>;
}

export interface TokenState {
  v: 1;
  /** The list the token belongs to. */
  e: string;
  f: ListFilters;
  /** Last key served. */
  a?: string;
  /** Number of the page this token fetches. */
  p: number;
}

export interface ListRequest {
  entity: string;
  filters: ListFilters;
  limit: number;
  page: number;
  afterKey?: string;
  /** The pageToken as received (for faults that echo it). */
  rawToken?: string;
}

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 10_000;

const TIME_FILTERS: Record<string, keyof Omit<ListFilters, 'match'>> = {
  'meta.modified.after': 'modifiedAfter',
  'meta.modified.before': 'modifiedBefore',
  'meta.created.after': 'createdAfter',
  'meta.created.before': 'createdBefore',
};

/** Filters each list supports besides the meta times (a subset of the spec's). */
export const MATCH_FILTERS: Record<EntityPath, string[]> = {
  persons: ['relationship.organisation'],
  organisations: ['type', 'schoolUnitCode', 'parent', 'municipalityCode'],
  groups: ['groupType', 'organisation', 'schoolTypes'],
  duties: ['organisation', 'dutyRole', 'person'],
};

/** Parameters that never count as filters. */
const NEUTRAL = new Set(['limit', 'pageToken', 'expandReferenceNames', 'expand', 'sortkey']);

export function encodeToken(state: TokenState): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

export function decodeToken(token: string, entity: string): TokenState {
  try {
    const state = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as TokenState;
    if (state?.v === 1 && state.e === entity && typeof state.p === 'number' && typeof state.f === 'object')
      return state;
  } catch {
    // fall through
  }
  throw new ApiError(400, 'INVALID_PAGE_TOKEN', 'pageToken is not one this server issued for this list');
}

function values(input: unknown): string[] {
  const list = Array.isArray(input) ? input : [input];
  return list
    .flatMap((v) => String(v).split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

function parseLimit(input: unknown): number {
  if (input === undefined) return DEFAULT_LIMIT;
  const limit = Number(input);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new ApiError(400, 'INVALID_LIMIT', `limit must be an integer from 1 to ${MAX_LIMIT}`);
  }
  return limit;
}

function parseTime(name: string, input: unknown): number {
  const text = Array.isArray(input) ? input[0] : input;
  const ms = typeof text === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) throw new ApiError(400, 'INVALID_PARAMETER', `${name} must be an RFC 3339 date-time`);
  return ms;
}

/**
 * Reads a list request. With a pageToken only `limit` (and neutral display options) may
 * accompany it: any filter is a 400, as the spec prescribes.
 */
export function parseListRequest(entity: string, query: QueryInput, matchNames: string[] = []): ListRequest {
  const limit = parseLimit(query.limit);
  if (query.pageToken !== undefined) {
    const raw = String(Array.isArray(query.pageToken) ? query.pageToken[0] : query.pageToken);
    const extra = Object.keys(query).filter((k) => !NEUTRAL.has(k));
    if (extra.length > 0) {
      throw new ApiError(
        400,
        'FILTER_WITH_PAGE_TOKEN',
        `with pageToken only limit may be sent, not ${extra.join(', ')}`,
      );
    }
    const state = decodeToken(raw, entity);
    return { entity, filters: state.f, limit, page: state.p, afterKey: state.a, rawToken: raw };
  }
  const filters: ListFilters = {};
  for (const [name, key] of Object.entries(TIME_FILTERS)) {
    if (query[name] !== undefined) filters[key] = parseTime(name, query[name]);
  }
  for (const name of matchNames) {
    if (query[name] !== undefined) (filters.match ??= {})[name] = values(query[name]);
  }
  return { entity, filters, limit, page: 1 };
}

function timeOf(doc: RegisterDocument, field: 'created' | 'modified'): number {
  const value = doc.meta?.[field];
  return typeof value === 'string' ? Date.parse(value) : NaN;
}

function refId(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null
    ? ((value as { id?: unknown }).id as string | undefined)
    : undefined;
}

/** The values a document has for a match filter. */
function fieldValues(entity: EntityPath, name: string, doc: RegisterDocument): unknown[] {
  switch (`${entity}:${name}`) {
    case 'persons:relationship.organisation':
      return ((doc.enrolments as { enroledAt?: unknown }[] | undefined) ?? []).map((e) => refId(e.enroledAt));
    case 'organisations:type':
      return [doc.organisationType];
    case 'organisations:parent':
      return [refId(doc.parentOrganisation)];
    case 'groups:organisation':
      return [refId(doc.organisation)];
    case 'groups:schoolTypes':
      return [doc.schoolType];
    case 'duties:organisation':
      return [refId(doc.dutyAt)];
    case 'duties:person':
      return [refId(doc.person)];
    default:
      return [doc[name]];
  }
}

/**
 * `.after` is exclusive (strictly later), `.before` exclusive too. `inclusiveAfter` imitates
 * servers that get this wrong (a fault tests can switch on).
 */
export function matches(
  entity: EntityPath,
  doc: RegisterDocument,
  f: ListFilters,
  inclusiveAfter = false,
): boolean {
  if (f.modifiedAfter !== undefined || f.modifiedBefore !== undefined) {
    const m = timeOf(doc, 'modified');
    if (f.modifiedAfter !== undefined && !(inclusiveAfter ? m >= f.modifiedAfter : m > f.modifiedAfter))
      return false;
    if (f.modifiedBefore !== undefined && !(m < f.modifiedBefore)) return false;
  }
  if (f.createdAfter !== undefined || f.createdBefore !== undefined) {
    const c = timeOf(doc, 'created');
    if (f.createdAfter !== undefined && !(inclusiveAfter ? c >= f.createdAfter : c > f.createdAfter))
      return false;
    if (f.createdBefore !== undefined && !(c < f.createdBefore)) return false;
  }
  for (const [name, wanted] of Object.entries(f.match ?? {})) {
    const have = fieldValues(entity, name, doc);
    if (!have.some((v) => typeof v === 'string' && wanted.includes(v))) return false;
  }
  return true;
}

/** First index whose id is greater than `after` in an id-sorted list. */
function firstAfter(sorted: RegisterDocument[], after: string | undefined): number {
  if (after === undefined) return 0;
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid].id <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface ListPageResult {
  data: RegisterDocument[];
  nextToken: string | null;
  lastKey?: string;
}

export function listPage(
  entity: EntityPath,
  sorted: RegisterDocument[],
  request: ListRequest,
  options: { inclusiveAfter?: boolean } = {},
): ListPageResult {
  const data: RegisterDocument[] = [];
  let i = firstAfter(sorted, request.afterKey);
  for (; i < sorted.length && data.length < request.limit; i++) {
    if (matches(entity, sorted[i], request.filters, options.inclusiveAfter)) data.push(sorted[i]);
  }
  let more = false;
  for (; i < sorted.length; i++) {
    if (matches(entity, sorted[i], request.filters, options.inclusiveAfter)) {
      more = true;
      break;
    }
  }
  const lastKey = data.at(-1)?.id ?? request.afterKey;
  const nextToken = more
    ? encodeToken({ v: 1, e: request.entity, f: request.filters, a: lastKey, p: request.page + 1 })
    : null;
  return { data, nextToken, lastKey };
}

// ---- /deletedEntities ---------------------------------------------------------------------

const DELETED_KEY: Record<string, EntityPath> = {
  Person: 'persons',
  Organisation: 'organisations',
  Group: 'groups',
  Duty: 'duties',
};

const deletionKey = (d: StoredDeletion) => `${String(d.deletedAt).padStart(15, '0')}:${d.entity}:${d.id}`;

export function parseDeletedRequest(query: QueryInput): ListRequest {
  const limit = parseLimit(query.limit);
  if (query.pageToken !== undefined) {
    const raw = String(query.pageToken);
    const extra = Object.keys(query).filter((k) => !NEUTRAL.has(k));
    if (extra.length > 0) {
      throw new ApiError(
        400,
        'FILTER_WITH_PAGE_TOKEN',
        `with pageToken only limit may be sent, not ${extra.join(', ')}`,
      );
    }
    const state = decodeToken(raw, 'deletedEntities');
    return {
      entity: 'deletedEntities',
      filters: state.f,
      limit,
      page: state.p,
      afterKey: state.a,
      rawToken: raw,
    };
  }
  const filters: ListFilters = {};
  if (query.after !== undefined) filters.modifiedAfter = parseTime('after', query.after);
  if (query.entities !== undefined) {
    const entities = values(query.entities);
    const unknown = entities.filter((e) => !/^[A-Z][A-Za-z]+$/.test(e));
    if (unknown.length > 0)
      throw new ApiError(400, 'INVALID_PARAMETER', `entities has unknown values ${unknown.join(', ')}`);
    filters.match = { entities };
  }
  return { entity: 'deletedEntities', filters, limit, page: 1 };
}

/** One page of deletions: ids grouped under the spec's keys (persons, groups, …). */
export function deletedPage(
  deletions: StoredDeletion[],
  request: ListRequest,
  options: { inclusiveAfter?: boolean } = {},
): { data: Record<string, string[]>; nextToken: string | null; lastKey?: string } {
  const wanted = request.filters.match?.entities;
  const paths = new Set<EntityPath>(
    wanted
      ? wanted.map((e) => DELETED_KEY[e]).filter((p): p is EntityPath => !!p)
      : Object.values(DELETED_KEY),
  );
  const after = request.filters.modifiedAfter;
  const selected = (d: StoredDeletion) =>
    paths.has(d.entity) &&
    (after === undefined || (options.inclusiveAfter ? d.deletedAt >= after : d.deletedAt > after)) &&
    (request.afterKey === undefined || deletionKey(d) > request.afterKey);
  const data: Record<string, string[]> = {};
  for (const p of paths) data[p] = [];
  let count = 0;
  let lastKey = request.afterKey;
  let more = false;
  for (const d of deletions) {
    if (!selected(d)) continue;
    if (count === request.limit) {
      more = true;
      break;
    }
    data[d.entity].push(d.id);
    lastKey = deletionKey(d);
    count++;
  }
  const nextToken = more
    ? encodeToken({ v: 1, e: 'deletedEntities', f: request.filters, a: lastKey, p: request.page + 1 })
    : null;
  return { data, nextToken, lastKey };
}
