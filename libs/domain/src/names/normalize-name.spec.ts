import fc from 'fast-check';
import { isSingleCase, normalizeName, normalizePersonNames } from './normalize-name';
import { toPublishedNames } from './neutral-names';

describe('normalizeName', () => {
  it('composes decomposed letters to NFC and keeps å ä ö', () => {
    const decomposed = 'A\u030Asa O\u0308berg'; // Å and Ö as base + combining mark
    expect(normalizeName(decomposed)).toBe('Åsa Öberg');
    expect(normalizeName('Åsa Öberg').length).toBe(9);
  });

  it('trims and collapses every kind of whitespace', () => {
    expect(normalizeName('  Anna \u00A0\t  Maria\n')).toBe('Anna Maria');
    expect(normalizeName('\u2003Lisa\u3000')).toBe('Lisa');
  });

  it('removes control, zero-width and bidi override characters', () => {
    expect(normalizeName('Er\u200Bik')).toBe('Erik');
    expect(normalizeName('\u202ESven\u202C')).toBe('Sven');
    expect(normalizeName('\uFEFFKarl\u200D\u2066\u2069')).toBe('Karl');
    expect(normalizeName('Ol\u0007a')).toBe('Ola');
  });

  it('fixes capitals of an all upper case name', () => {
    expect(normalizeName('ÅSA ÖSTLUND')).toBe('Åsa Östlund');
  });

  it('fixes capitals of an all lower case name', () => {
    expect(normalizeName('ärlig ängström')).toBe('Ärlig Ängström');
  });

  it('keeps a mixed-case name exactly as written', () => {
    expect(normalizeName('McDonald')).toBe('McDonald');
    expect(normalizeName('de Geer')).toBe('de Geer');
    expect(normalizeName('DiCaprio')).toBe('DiCaprio');
  });

  it('capitalises every part of a hyphenated name', () => {
    expect(normalizeName('ANNA-KARIN')).toBe('Anna-Karin');
    expect(normalizeName('svensson-öhman')).toBe('Svensson-Öhman');
    expect(normalizeName("O'BRIEN")).toBe("O'Brien");
  });

  it('keeps particles lower case', () => {
    expect(normalizeName('VON ESSEN')).toBe('von Essen');
    expect(normalizeName('af klint')).toBe('af Klint');
    expect(normalizeName('DE LA GARDIE')).toBe('de la Gardie');
    expect(normalizeName('VAN DER BERG')).toBe('van der Berg');
  });

  it('capitalises a particle that is the whole name', () => {
    expect(normalizeName('VAN')).toBe('Van');
    expect(normalizeName('de')).toBe('De');
  });

  it('answers an empty string for missing names', () => {
    expect(normalizeName(undefined)).toBe('');
    expect(normalizeName(null)).toBe('');
    expect(normalizeName(' \u200B ')).toBe('');
  });

  it('leaves out an empty middle name', () => {
    expect(normalizePersonNames({ givenName: 'ERIK', middleName: '  ', familyName: 'JOHANSSON' })).toEqual({
      givenName: 'Erik',
      familyName: 'Johansson',
    });
  });

  it('publishes neutral names for a protected identity', () => {
    const names = { givenName: 'Åsa', familyName: 'Berg' };
    expect(toPublishedNames(names, false)).toBe(names);
    expect(toPublishedNames(names, true)).toEqual({ givenName: 'Skyddad', familyName: 'Identitet' });
  });

  const nameChars = fc.constantFrom(
    ...'abcdefghijklmnopqrstuvwxyzåäöéüABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖÉÜ -\'',
    '\u200B', '\u202E', '\u00A0', '\t', '\u0301', '\u030A', '\uFEFF', 'ß', 'İ', 'ǅ',
  );
  const names = fc.oneof(fc.string({ unit: nameChars, maxLength: 30 }), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 20 }));

  it('is idempotent', () => {
    fc.assert(fc.property(names, (raw) => expect(normalizeName(normalizeName(raw))).toBe(normalizeName(raw))));
  });

  it('never leaves invisible characters, edge spaces or double spaces', () => {
    fc.assert(
      fc.property(names, (raw) => {
        const out = normalizeName(raw);
        expect(out).not.toMatch(/[\p{Cc}\p{Cf}]/u);
        expect(out).toBe(out.trim());
        expect(out).not.toMatch(/\s\s/);
        expect(out).toBe(out.normalize('NFC'));
      }),
    );
  });

  it('changes only capitalisation of a clean mixed-case name', () => {
    fc.assert(
      fc.property(names, (raw) => {
        const out = normalizeName(raw);
        // Case mapping may decompose a letter (W̊ has no precomposed capital), so compare canonically.
        expect(out.toLocaleLowerCase('sv').normalize('NFC')).toBe(normalizeName(raw.toLocaleLowerCase('sv')).toLocaleLowerCase('sv').normalize('NFC'));
      }),
      { examples: [['W\u030A']] },
    );
  });

  it('produces mixed or caseless output from single-case letters input', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'abcdefåäö'), minLength: 2, maxLength: 12 }), (raw) => {
        expect(isSingleCase(normalizeName(raw))).toBe(false);
      }),
    );
  });
});
