/** Nest injection tokens of the attribute API. */
export const RELEASE_SETTINGS = Symbol('RELEASE_SETTINGS');
