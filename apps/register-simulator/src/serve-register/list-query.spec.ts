import fc from 'fast-check';
import type { RegisterDocument } from '../register-store/register-store.service';
import {
  ApiError,
  decodeToken,
  deletedPage,
  listPage,
  matches,
  parseDeletedRequest,
  parseListRequest,
} from './list-query';

const doc = (id: string, modified: string, extra: Record<string, unknown> = {}): RegisterDocument => ({
  id,
  meta: { created: '2026-01-01T00:00:00.000Z', modified },
  ...extra,
});

function readAll(
  sorted: RegisterDocument[],
  query: Record<string, unknown>,
  limit: number,
): RegisterDocument[] {
  const out: RegisterDocument[] = [];
  let request = parseListRequest('persons', { ...query, limit: String(limit) });
  for (let n = 0; n < 1000; n++) {
    const page = listPage('persons', sorted, request);
    out.push(...page.data);
    if (!page.nextToken) return out;
    request = parseListRequest('persons', { pageToken: page.nextToken, limit: String(limit) });
  }
  throw new Error('did not end');
}

describe('list paging', () => {
  it('visits every matching record exactly once, in id order, for any page size', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.uuid(), { minLength: 0, maxLength: 60 }),
        fc.integer({ min: 1, max: 15 }),
        fc.integer({ min: 0, max: 59 }),
        (ids, limit, pivot) => {
          const sorted = ids
            .map((id, i) => doc(id, new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString()))
            .sort((a, b) => (a.id < b.id ? -1 : 1));
          expect(readAll(sorted, {}, limit).map((d) => d.id)).toEqual(sorted.map((d) => d.id));
          const after = new Date(Date.UTC(2026, 0, 1, 0, 0, pivot)).toISOString();
          const expected = sorted.filter((d) => d.meta!.modified > after).map((d) => d.id);
          expect(readAll(sorted, { 'meta.modified.after': after }, limit).map((d) => d.id)).toEqual(expected);
        },
      ),
    );
  });

  it('keeps the first request’s filters in the token and refuses filters beside a token', () => {
    const first = parseListRequest(
      'groups',
      { groupType: 'Klass', 'meta.modified.after': '2026-01-01T00:00:00Z' },
      ['groupType'],
    );
    expect(first.filters).toEqual({
      modifiedAfter: Date.parse('2026-01-01T00:00:00Z'),
      match: { groupType: ['Klass'] },
    });
    const sorted = [
      doc('a', '2026-02-01T00:00:00Z', { groupType: 'Klass' }),
      doc('b', '2026-02-01T00:00:00Z', { groupType: 'Klass' }),
    ];
    const page = listPage('groups', sorted, { ...first, limit: 1 });
    expect(decodeToken(page.nextToken!, 'groups')).toMatchObject({ f: first.filters, a: 'a', p: 2 });
    expect(() =>
      parseListRequest('groups', { pageToken: page.nextToken, groupType: 'Klass' }, ['groupType']),
    ).toThrow(ApiError);
    expect(() => parseListRequest('persons', { pageToken: page.nextToken })).toThrow(
      'pageToken is not one this server issued',
    );
  });

  it('treats .after as exclusive, unless the inclusiveAfter fault is on', () => {
    const d = doc('a', '2026-03-01T10:00:00.000Z');
    const f = { modifiedAfter: Date.parse('2026-03-01T10:00:00.000Z') };
    expect(matches('persons', d, f)).toBe(false);
    expect(matches('persons', d, f, true)).toBe(true);
    expect(matches('persons', d, { modifiedAfter: f.modifiedAfter - 1 })).toBe(true);
  });

  it('rejects bad limits and times', () => {
    expect(() => parseListRequest('persons', { limit: '0' })).toThrow('limit');
    expect(() => parseListRequest('persons', { limit: '10001' })).toThrow('limit');
    expect(() => parseListRequest('persons', { 'meta.modified.after': 'igår' })).toThrow('RFC 3339');
  });
});

describe('deletedEntities paging', () => {
  const deletions = [
    { entity: 'persons' as const, id: 'p1', deletedAt: 1000 },
    { entity: 'groups' as const, id: 'g1', deletedAt: 2000 },
    { entity: 'persons' as const, id: 'p2', deletedAt: 3000 },
  ];

  it('groups ids by entity, after is exclusive, and pages by the deletion order', () => {
    const request = parseDeletedRequest({ after: new Date(1000).toISOString(), limit: '1' });
    const first = deletedPage(deletions, request);
    expect(first.data).toEqual({ persons: [], organisations: [], groups: ['g1'], duties: [] });
    const second = deletedPage(deletions, parseDeletedRequest({ pageToken: first.nextToken, limit: '1' }));
    expect(second.data.persons).toEqual(['p2']);
    expect(second.nextToken).toBeNull();
  });

  it('answers only the entities asked for', () => {
    const page = deletedPage(deletions, parseDeletedRequest({ entities: 'Person' }));
    expect(page.data).toEqual({ persons: ['p1', 'p2'] });
  });
});
