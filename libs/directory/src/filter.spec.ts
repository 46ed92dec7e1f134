import fc from 'fast-check';
import { EqualityFilter, FilterParser } from 'ldapts';
import { andFilter, binaryEqualsFilter, equalsFilter, escapeFilterValue, orFilter } from './filter';

describe('escapeFilterValue', () => {
  it('escapes the RFC 4515 specials', () => {
    expect(escapeFilterValue('a*b(c)d\\e\u0000')).toBe('a\\2ab\\28c\\29d\\5ce\\00');
  });

  it('property: the parsed filter matches exactly the original value', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'grapheme-ascii', maxLength: 60 }), fc.constantFrom('*', ')(objectClass=*', '\\', 'Åsa*')), (value) => {
        const parsed = FilterParser.parseString(equalsFilter('cn', value));
        if (value === '') return; // (cn=) parses as an empty equality, fine either way
        expect(parsed).toBeInstanceOf(EqualityFilter);
        const eq = parsed as EqualityFilter;
        expect(Buffer.isBuffer(eq.value) ? eq.value.toString('utf8') : eq.value).toBe(value);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps an injection attempt inside one value', () => {
    const filter = andFilter('(objectClass=user)', equalsFilter('sAMAccountName', '*)(sAMAccountName=admin'));
    expect(filter).toBe('(&(objectClass=user)(sAMAccountName=\\2a\\29\\28sAMAccountName=admin))');
    expect(orFilter('(a=1)')).toBe('(a=1)');
  });

  it('builds binary filters from Buffers without string escaping', () => {
    const value = Buffer.from([0x00, 0x80, 0xff, 0x2a]);
    const filter = binaryEqualsFilter('objectGUID', value) as EqualityFilter;
    expect(filter.value).toEqual(value);
    expect(() => equalsFilter('cn)(x', 'y')).toThrow(/invalid attribute name/);
  });
});
