import fc from 'fast-check';
import { deriveProtection, toSecurityMarking } from './protection';

describe('deriveProtection', () => {
  it('is unprotected when every marking is Ingen or missing', () => {
    expect(deriveProtection(['Ingen', undefined, null, ''])).toEqual({ protected: false, marking: 'Ingen' });
  });

  it('is protected when the person is marked', () => {
    expect(deriveProtection(['Skyddad folkbokföring'])).toEqual({ protected: true, marking: 'Skyddad folkbokföring' });
  });

  it('is protected when only a reference to the person is marked', () => {
    expect(deriveProtection(['Ingen', 'Ingen', 'Sekretessmarkering'])).toEqual({ protected: true, marking: 'Sekretessmarkering' });
  });

  it('treats an unknown marking as the strongest protection', () => {
    expect(toSecurityMarking('Skyddad')).toBe('Skyddad folkbokföring');
    expect(deriveProtection(['Ingen', 'something new'])).toEqual({ protected: true, marking: 'Skyddad folkbokföring' });
  });

  it('never loses protection by adding markings, and ignores order', () => {
    const marking = fc.oneof(fc.constantFrom('Ingen', 'Sekretessmarkering', 'Skyddad folkbokföring', undefined), fc.string());
    fc.assert(
      fc.property(fc.array(marking), fc.array(marking), (a, b) => {
        const before = deriveProtection(a);
        const after = deriveProtection([...a, ...b]);
        if (before.protected) expect(after.protected).toBe(true);
        expect(deriveProtection([...b, ...a])).toEqual(after);
      }),
    );
  });
});
