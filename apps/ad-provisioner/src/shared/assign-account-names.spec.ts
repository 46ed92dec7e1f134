import { assignAccountNames } from './assign-account-names';

describe(assignAccountNames.name, () => {
  it('gives namesakes in one batch distinct names, in order', () => {
    const names = assignAccountNames(
      [
        { identityId: 'a', candidates: ['asaobe01', 'asaobe02', 'asaobe03'] },
        { identityId: 'b', candidates: ['asaobe01', 'asaobe02', 'asaobe03'] },
      ],
      new Map(),
    );
    expect([...names]).toEqual([
      ['a', 'asaobe01'],
      ['b', 'asaobe02'],
    ]);
  });

  it('skips names reserved by someone else in any letter case, and keeps the identity\'s own', () => {
    const holders = new Map([
      ['dora.deleted', 'old'],
      ['erik.ek', 'b'],
    ]);
    const names = assignAccountNames(
      [
        { identityId: 'a', candidates: ['Dora.Deleted', 'dora.deleted2'] },
        { identityId: 'b', candidates: ['erik.ek', 'erik.ek2'] },
      ],
      holders,
    );
    expect(names.get('a')).toBe('dora.deleted2');
    expect(names.get('b')).toBe('erik.ek');
  });

  it('leaves out an identity whose candidates are all taken', () => {
    const names = assignAccountNames(
      [
        { identityId: 'a', candidates: ['x1'] },
        { identityId: 'b', candidates: ['X1'] },
      ],
      new Map(),
    );
    expect(names.has('b')).toBe(false);
  });
});
