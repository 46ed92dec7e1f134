export * from './types';
export { Ss12000Error, isSs12000Error, type Ss12000ErrorCode } from './ss12000.errors';
export { classifyCivicNo, computeLuhnCheckDigit, type CivicNoKind } from './civic-no';
export {
  validateRecord,
  isUuid,
  redactDigits,
  type RecordRejection,
  type ValidationResult,
} from './validate-record';
export {
  type AuthProvider,
  type AuthConfig,
  type ClientCredentialsOptions,
  StaticBearerAuth,
  ApiKeyAuth,
  OAuth2ClientCredentialsAuth,
  createAuthProvider,
} from './auth';
export { parseRetryAfter, type RetryInfo, type TransportOptions } from './http-transport';
export {
  Ss12000Client,
  parseWebhookNotification,
  toDeletedIds,
  type Ss12000ClientOptions,
  type ListQuery,
  type QueryValue,
  type RecordPage,
  type ReadAllResult,
  type DeletedEntitiesQuery,
  type DeletedPage,
  type ReadDeletedResult,
  type LookupResult,
} from './ss12000.client';
