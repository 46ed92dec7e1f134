import fc from 'fast-check';
import { childDn, escapeDnValue, firstRdnValue, formatRdn, isDnWithin, normalizeDn, parentDn, parseDn } from './dn';

const hostile = fc.oneof(
  fc.string({ minLength: 1, maxLength: 80 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }),
  fc.string({ unit: fc.constantFrom(',', '+', '"', '\\', '#', ' ', '\u0000', '=', ';', '<', '>', 'a', 'Å', '北', 'ж'), minLength: 1, maxLength: 40 }),
  fc.constantFrom('#hash', ' leading', 'trailing ', 'a,b', 'a+b', 'say "hi"', 'back\\slash', 'nul\u0000byte', 'x'.repeat(300), 'Дмитрий Иванов', '山田 太郎', 'عمر'),
);

describe('escapeDnValue', () => {
  it.each([
    ['Öberg, Åsa', 'Öberg\\, Åsa'],
    ['a+b', 'a\\+b'],
    ['#1', '\\#1'],
    [' x ', '\\ x\\ '],
    ['say "hi"', 'say \\"hi\\"'],
    ['back\\slash', 'back\\5Cslash'],
    ['nul\u0000', 'nul\\00'],
    ['<a>;b=c', '\\<a\\>\\;b\\=c'],
  ])('escapes %j as %j', (input, expected) => {
    expect(escapeDnValue(input)).toBe(expected);
  });

  it('property: parsing an escaped RDN gives the original value back', () => {
    fc.assert(
      fc.property(hostile, (value) => {
        const dn = childDn('CN', value, 'OU=Pupils,OU=Tenant,DC=skola,DC=test');
        const rdns = parseDn(dn);
        expect(rdns).toHaveLength(5);
        expect(rdns[0]).toEqual([{ type: 'CN', value }]);
        expect(firstRdnValue(dn)).toBe(value);
      }),
      { numRuns: 500 },
    );
  });

  it('property: a hostile value never adds or removes RDNs and stays inside its parent', () => {
    fc.assert(
      fc.property(hostile, hostile, (a, b) => {
        const parent = childDn('OU', a, 'OU=Skolkonto,DC=skola,DC=test');
        const dn = childDn('CN', b, parent);
        expect(parseDn(dn)).toHaveLength(5);
        expect(isDnWithin(dn, parent)).toBe(true);
        expect(isDnWithin(dn, 'OU=Other,OU=Skolkonto,DC=skola,DC=test')).toBe(a.toLowerCase() === 'other');
        expect(normalizeDn(parentDn(dn))).toBe(normalizeDn(parent));
      }),
      { numRuns: 300 },
    );
  });

  it('property: unescaped, a value with a comma would not survive; escaped, it always does', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), (x, y) => {
        const value = `${x},OU=Evil,${y}`;
        expect(parseDn(childDn('CN', value, 'DC=test'))).toHaveLength(2);
      }),
    );
  });
});

describe('formatRdn', () => {
  it('refuses attribute types that are not names', () => {
    expect(() => formatRdn('CN=x,OU', 'y')).toThrow(/invalid RDN attribute type/);
  });
});

describe('isDnWithin', () => {
  const base = 'OU=Lidkoping,OU=Skolkonto,DC=skola,DC=test';
  it('accepts the base and its descendants in any letter case and spacing', () => {
    expect(isDnWithin(base, base)).toBe(true);
    expect(isDnWithin('CN=x,OU=Elever,ou=lidkoping, ou=SKOLKONTO,dc=Skola,dc=test', base)).toBe(true);
  });
  it('rejects siblings, parents and suffix look-alikes', () => {
    expect(isDnWithin('CN=x,OU=Skara,OU=Skolkonto,DC=skola,DC=test', base)).toBe(false);
    expect(isDnWithin('OU=Skolkonto,DC=skola,DC=test', base)).toBe(false);
    expect(isDnWithin('CN=x,OU=NotLidkoping,OU=Skolkonto,DC=skola,DC=test', base)).toBe(false);
    expect(isDnWithin('CN=x\\,OU=Lidkoping,OU=Skolkonto,DC=skola,DC=test', base)).toBe(false);
    expect(isDnWithin(base, base, { allowSelf: false })).toBe(false);
  });
  it('rejects malformed DNs', () => {
    expect(isDnWithin('CN=x\\', base)).toBe(false);
    expect(isDnWithin('garbage', base)).toBe(false);
  });
});
