import { FaultRegistry } from './fault-registry';

describe(FaultRegistry.name, () => {
  it('applies a status fault to its page once by default, then lets requests through', () => {
    const faults = new FaultRegistry();
    faults.add({ kind: 'status', tenant: 'skara', entity: 'persons', page: 3, status: 500 });
    expect(faults.take('skara', 'persons', 2)).toEqual([]);
    expect(faults.take('essunga', 'persons', 3)).toEqual([]);
    expect(faults.take('skara', 'persons', 3)).toEqual([
      expect.objectContaining({ kind: 'status', status: 500 }),
    ]);
    expect(faults.take('skara', 'persons', 3)).toEqual([]);
  });

  it('keeps endless faults on until cleared', () => {
    const faults = new FaultRegistry();
    faults.add({ kind: 'endlessTokens', entity: 'groups' });
    for (let page = 1; page < 50; page++) expect(faults.take('any', 'groups', page)).toHaveLength(1);
    expect(faults.clear()).toBe(1);
    expect(faults.take('any', 'groups', 50)).toEqual([]);
  });
});
