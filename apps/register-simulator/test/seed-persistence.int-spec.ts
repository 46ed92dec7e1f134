import { Ss12000Client, StaticBearerAuth } from '@skolkonto/ss12000';
import { createTestDatabase } from '@skolkonto/testing';
import {
  startSimulator,
  TOKEN,
  type HarnessTenant,
  type SimulatorHarness,
} from './support/simulator-harness';

const TENANTS: HarnessTenant[] = [
  { id: 'essunga', name: 'Essunga kommun', municipalityCode: '1445', persons: 80 },
  { id: 'skara', name: 'Skara kommun', municipalityCode: '1495', persons: 50 },
];

async function snapshot(sim: SimulatorHarness, tenant: string) {
  const c = new Ss12000Client({
    baseUrl: sim.baseUrl(tenant),
    auth: new StaticBearerAuth(TOKEN(tenant)),
    pageSize: 1000,
  });
  const out: Record<string, unknown[]> = {};
  for (const entity of ['persons', 'organisations', 'groups', 'duties'] as const) {
    const result = await c.readAll(entity);
    expect(result.complete).toBe(true);
    out[entity] = result.records;
  }
  return out;
}

describe('register simulator: seed and persistence', () => {
  it('seeds identical registers from the same seed and size on separate databases, and other data from another seed', async () => {
    const a = await startSimulator(TENANTS);
    const b = await startSimulator(TENANTS);
    try {
      const fromA = await snapshot(a, 'essunga');
      const fromB = await snapshot(b, 'essunga');
      expect(fromB).toEqual(fromA);
      expect(fromA.persons).toHaveLength(80);

      const reseeded = await a.admin('POST', '/tenants/essunga/reseed', { seed: 99 });
      expect(reseeded.status).toBe(200);
      const other = await snapshot(a, 'essunga');
      expect(other.persons).toHaveLength(80);
      const ids = new Set((fromA.persons as { id: string }[]).map((p) => p.id));
      expect((other.persons as { id: string }[]).some((p) => ids.has(p.id))).toBe(false);

      await a.admin('POST', '/tenants/essunga/reseed', { seed: 4711 });
      expect(await snapshot(a, 'essunga')).toEqual(fromA);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('keeps its registers, mutations and deletions across a restart', async () => {
    const db = await createTestDatabase({ prefix: 'simulator' });
    const first = await startSimulator(TENANTS, { db });
    let before: Record<string, unknown[]>;
    let renamed: string;
    let deleted: string;
    try {
      const persons = (await snapshot(first, 'skara')).persons as { id: string }[];
      renamed = persons[0].id;
      deleted = persons[1].id;
      await first.admin('POST', `/tenants/skara/persons/${renamed}/rename`, { givenName: 'Märta' });
      await first.admin('DELETE', `/tenants/skara/persons/${deleted}`);
      before = await snapshot(first, 'skara');
    } finally {
      await first.close({ keepDatabase: true });
    }
    const second = await startSimulator(TENANTS, { db, env: { SIM_SEED: '1' } });
    try {
      const after = await snapshot(second, 'skara');
      expect(after).toEqual(before);
      expect(
        (after.persons as { id: string; givenName: string }[]).find((p) => p.id === renamed)!.givenName,
      ).toBe('Märta');
      const gone = await second.get('skara', '/deletedEntities?entities=Person');
      expect(gone.body.data.persons).toEqual([deleted]);
    } finally {
      await second.close();
    }
  });
});
