import fc from 'fast-check';
import { computePairwiseId, generateBase36, generateEppnLocalPart, generateUniqueIdLocalPart } from './federation-identifiers';
import { validateEppn, validatePairwiseId, validateUniqueId } from './federation-rules';

const secret = 'a-tenant-secret-of-32-bytes-xxxx';

describe('federation identifiers', () => {
  it('generates opaque ePPN local parts of base-36 characters, at least 6 long', () => {
    const local = generateEppnLocalPart();
    expect(local).toMatch(/^[a-z][a-z0-9]{7}$/);
    expect(validateEppn(`${local}@skara.se`, 'skara.se')).toBeUndefined();
    expect(generateEppnLocalPart(6)).toHaveLength(6);
    expect(() => generateEppnLocalPart(5)).toThrow(RangeError);
  });

  it('draws from the random source without bias-producing bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.integer({ min: 6, max: 20 }), (bytes, length) => {
        let calls = 0;
        const random = (size: number) => {
          calls += 1;
          // the fixed bytes first, then a benign source so the loop always ends
          return calls === 1 ? Buffer.from(bytes) : Buffer.alloc(size, 10 + calls);
        };
        const out = generateBase36(length, random);
        expect(out).toMatch(new RegExp(`^[a-z][a-z0-9]{${length - 1}}$`));
      }),
    );
  });

  it('rarely repeats itself: 20 000 ePPN local parts are distinct', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i += 1) seen.add(generateEppnLocalPart());
    expect(seen.size).toBe(20_000);
  });

  it('generates unique ids in the eduPersonUniqueId syntax', () => {
    expect(validateUniqueId(`${generateUniqueIdLocalPart()}@goteborg.se`, 'goteborg.se')).toBeUndefined();
  });

  describe(computePairwiseId.name, () => {
    it('is stable for a person and SP, in the pairwise-id syntax', () => {
      const a = computePairwiseId('abc123@skara.se', 'https://sp.example.org/shibboleth', secret, 'skara.se');
      expect(a).toBe(computePairwiseId('abc123@skara.se', 'https://sp.example.org/shibboleth', secret, 'skara.se'));
      expect(a).toMatch(/^[a-z2-7]{52}@skara\.se$/);
      expect(validatePairwiseId(a, 'skara.se')).toBeUndefined();
    });
    it('matches HMAC-SHA256 over uniqueId NUL entityID', () => {
      const { createHmac } = jest.requireActual<typeof import('node:crypto')>('node:crypto');
      const digest = createHmac('sha256', secret).update('u1@skara.se\u0000https://sp').digest();
      const value = computePairwiseId('u1@skara.se', 'https://sp', secret, 'skara.se');
      // base32 of the first byte's top five bits is the first character
      expect(value[0]).toBe('abcdefghijklmnopqrstuvwxyz234567'[digest[0]! >> 3]);
    });
    it('differs between SPs, between people and between tenant secrets (property)', () => {
      fc.assert(
        fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (uid, sp1, sp2) => {
          fc.pre(sp1 !== sp2);
          const one = computePairwiseId(uid, sp1, secret, 'skara.se');
          expect(one).not.toBe(computePairwiseId(uid, sp2, secret, 'skara.se'));
          expect(one).not.toBe(computePairwiseId(`${uid}x`, sp1, secret, 'skara.se'));
          expect(one).not.toBe(computePairwiseId(uid, sp1, `${secret}!`, 'skara.se'));
        }),
      );
    });
    it('refuses a short secret', () => {
      expect(() => computePairwiseId('u', 'sp', 'short', 'skara.se')).toThrow(RangeError);
    });
  });
});
