import type { PersonNames } from './normalize-name';

/**
 * Names published for a protected identity (securityMarking ≠ Ingen). The real names stay in the
 * metadirectory; what leaves it is a neutral placeholder the tenant may configure.
 */
export const DEFAULT_NEUTRAL_NAMES: PersonNames = { givenName: 'Skyddad', familyName: 'Identitet' };

export function toPublishedNames(names: PersonNames, isProtected: boolean, neutral: PersonNames = DEFAULT_NEUTRAL_NAMES): PersonNames {
  if (!isProtected) return names;
  return { givenName: neutral.givenName, familyName: neutral.familyName };
}
