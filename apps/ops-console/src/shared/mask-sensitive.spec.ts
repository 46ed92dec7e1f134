import fc from 'fast-check';
import { MASK, maskSensitive } from './mask-sensitive';

describe(maskSensitive.name, () => {
  it('masks civic numbers under sensitive keys at any depth', () => {
    const masked = maskSensitive({ person: { civicNo: '201001011234', names: { givenName: 'Åsa' } }, nin: '2010' });
    expect(masked).toEqual({ person: { civicNo: MASK, names: { givenName: 'Åsa' } }, nin: MASK });
  });

  it('masks civic numbers written into free text', () => {
    expect(maskSensitive({ message: 'duplicate 20100101-1234 and 100101+1234' })).toEqual({
      message: `duplicate ${MASK} and ${MASK}`,
    });
  });

  it('keeps dates, uuids and short numbers readable', () => {
    const value = { at: '2026-11-28T05:00:00Z', id: '8f0b0b9e-1c1d-4f4e-9a8a-0c2b4e6a1d11', version: 12 };
    expect(maskSensitive(value)).toEqual(value);
  });

  it('never lets a 12-digit civic number through, whatever surrounds it', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{12}$/), fc.string(), fc.string(), (civic, before, after) => {
        const text = `${before} ${civic} ${after}`;
        const out = JSON.stringify(maskSensitive({ note: text, nested: [{ text }] }));
        expect(out).not.toContain(civic);
      }),
    );
  });

  it('keeps a uuid whose first groups look like YYYYMMDD-NNNN, and masks a civic number beside it', () => {
    const id = '63999084-8734-4b52-9dc0-f30ed009ac7e';
    expect(maskSensitive(`${id} 20051224-2389`)).toBe(`${id} ${MASK}`);
    expect(maskSensitive({ identityId: id })).toEqual({ identityId: id });
  });

  it('does not change the input', () => {
    const input = { civicNo: '201001011234' };
    maskSensitive(input);
    expect(input.civicNo).toBe('201001011234');
  });
});
