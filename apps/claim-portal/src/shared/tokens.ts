import type { Language } from '../web/messages';

/** Settings of the public page, from the validated config. */
export const CLAIM_OPTIONS = Symbol('CLAIM_OPTIONS');
export interface ClaimWebOptions {
  secureCookies: boolean;
  defaultLanguage: Language;
  minPasswordLength: number;
}
