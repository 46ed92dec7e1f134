/**
 * Name normalisation for register names. Registers carry names typed by hand over decades:
 * decomposed å, doubled spaces, pasted zero-width or bidi characters, and names in CAPITALS.
 * We only touch capitalisation when the source is entirely upper or entirely lower case; a
 * mixed-case name ("McDonald", "de Geer") is taken as the person wrote it.
 */

/** Lower-case particles in family names: kept lower case unless they are the last word. */
const PARTICLES = new Set(['von', 'af', 'de', 'la', 'van', 'der', 'den', 'du', 'di', 'da', 'del', 'della', 'dos', 'das', 'le', 'zu', 'ten', 'ter', 'y']);

// Controls (C0, DEL, C1), format characters (zero-width space/joiners, BOM, soft hyphen,
// bidi embeddings/overrides/isolates, LRM/RLM/ALM), and unassigned/private/surrogate code points.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Cn}]/gu;
// Every kind of space (NBSP, thin space, ideographic space, line/paragraph separators, tabs, newlines).
const WHITESPACE = /[\s\p{Z}]+/gu;
const CASED = /[\p{Lu}\p{Ll}\p{Lt}]/u;

export interface PersonNames {
  givenName: string;
  middleName?: string;
  familyName: string;
}

export interface RawPersonNames {
  givenName?: string | null;
  middleName?: string | null;
  familyName?: string | null;
}

/** Cleans one name: NFC, invisible characters out, whitespace collapsed, capitals fixed when all one case. */
export function normalizeName(raw: string | null | undefined): string {
  if (raw == null) return '';
  const cleaned = String(raw)
    // Control characters like tab/newline separate words: turn them into spaces before removal.
    .replace(/[\t\n\v\f\r\u0085]/g, ' ')
    .normalize('NFC')
    .replace(INVISIBLE, '')
    .replace(WHITESPACE, ' ')
    .trim()
    .normalize('NFC');
  return isSingleCase(cleaned) ? toNameCase(cleaned) : cleaned;
}

/** Normalises given, middle and family name together; an empty middle name is left out. */
export function normalizePersonNames(raw: RawPersonNames): PersonNames {
  const middleName = normalizeName(raw.middleName);
  return {
    givenName: normalizeName(raw.givenName),
    ...(middleName ? { middleName } : {}),
    familyName: normalizeName(raw.familyName),
  };
}

/** True when the text has cased letters and all of them are upper case, or all lower case. */
export function isSingleCase(text: string): boolean {
  if (!CASED.test(text)) return false;
  return text === text.toLocaleUpperCase('sv') || text === text.toLocaleLowerCase('sv');
}

function toNameCase(text: string): string {
  const words = text.split(' ');
  const result = words.map((word, index) => {
    const lower = word.toLocaleLowerCase('sv');
    if (index < words.length - 1 && PARTICLES.has(lower)) return lower;
    // Capitalise each part of hyphenated (Anna-Karin) and apostrophe (O'Brien, d'Artagnan) names.
    return lower.replace(/(^|[-‐'’])(\p{L})/gu, (_m, sep: string, letter: string) => sep + capitalise(letter));
  });
  return result.join(' ').normalize('NFC');
}

function capitalise(letter: string): string {
  const upper = letter.toLocaleUpperCase('sv');
  // ß → SS would change the name's length and meaning; keep such letters as they are.
  return [...upper].length === 1 ? upper : letter;
}
