// The AD gateway: the only place in production code that imports ldapts.
export { LdapDirectory, attributeBuffer, attributeString, attributeStrings } from './ldap-directory';
export type { LdapDirectoryOptions, DirectoryAttributes, AttributeValue, DirectoryChange, SearchRequest, DirectoryEntry } from './ldap-directory';
export { DirectoryError, toDirectoryError } from './directory-error';
export type { DirectoryErrorCode } from './directory-error';
export { escapeDnValue, formatRdn, childDn, parseDn, formatDn, normalizeDn, isDnWithin, parentDn, firstRdnValue, InvalidDnError } from './dn';
export type { Rdn, RdnPart } from './dn';
export { escapeFilterValue, equalsFilter, andFilter, orFilter, binaryEqualsFilter, andFilters, orFilters } from './filter';
export { guidToString, guidToBuffer, guidBaseDn } from './guid';
export {
  UAC_ACCOUNTDISABLE,
  UAC_NORMAL_ACCOUNT,
  UAC_ENABLED,
  UAC_DISABLED,
  GROUP_TYPE_GLOBAL_SECURITY,
  isAccountDisabled,
  toUnicodePwd,
  generateStrongPassword,
} from './ad-account';
