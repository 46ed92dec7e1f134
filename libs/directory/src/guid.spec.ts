import fc from 'fast-check';
import { guidBaseDn, guidToBuffer, guidToString } from './guid';

describe('guidToString', () => {
  it('writes the first three fields little-endian like AD', () => {
    const bytes = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    expect(guidToString(bytes)).toBe('33221100-5544-7766-8899-aabbccddeeff');
    expect(guidBaseDn(bytes)).toBe('<GUID=33221100-5544-7766-8899-aabbccddeeff>');
  });
  it('property: string and binary forms round-trip', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (arr) => {
        const buf = Buffer.from(arr);
        expect(guidToBuffer(guidToString(buf))).toEqual(buf);
        expect(guidToBuffer(`{${guidToString(buf).toUpperCase()}}`)).toEqual(buf);
      }),
    );
  });
  it('rejects malformed input', () => {
    expect(() => guidToString(Buffer.alloc(15))).toThrow(/16 bytes/);
    expect(() => guidToBuffer('not-a-guid')).toThrow(/not a GUID/);
  });
});
