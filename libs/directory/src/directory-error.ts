// The directory's failures as one typed error. toDirectoryError is the only place that knows
// ldapts' error classes and AD's result codes; everything above sees DirectoryError codes.
import { ResultCodeError } from 'ldapts';

export type DirectoryErrorCode =
  | 'ALREADY_EXISTS'
  | 'NOT_FOUND'
  | 'CONSTRAINT'
  | 'UNAVAILABLE'
  | 'ACCESS_DENIED'
  | 'INVALID_CREDENTIALS'
  | 'NOT_EMPTY'
  | 'INVALID_REQUEST'
  | 'UNKNOWN';

export class DirectoryError extends Error {
  constructor(
    readonly code: DirectoryErrorCode,
    message: string,
    options?: ErrorOptions & {
      /** The LDAP result code, when the server answered. */
      ldapCode?: number;
      /** AD's detail code from the diagnostic message (`data 52e`, `0000052D`). */
      adDataCode?: string;
    },
  ) {
    super(message, options);
    this.name = 'DirectoryError';
    this.ldapCode = options?.ldapCode;
    this.adDataCode = options?.adDataCode;
  }
  readonly ldapCode?: number;
  readonly adDataCode?: string;

  /** Worth trying again later: the directory was busy, unavailable or unreachable. */
  get retryable(): boolean {
    return this.code === 'UNAVAILABLE';
  }
}

const CONNECTION_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

/** Maps anything ldapts or the socket threw to a DirectoryError (idempotent for DirectoryErrors). */
export function toDirectoryError(error: unknown): DirectoryError {
  if (error instanceof DirectoryError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const cause = { cause: error };
  if (error instanceof ResultCodeError) {
    const ldapCode = error.code;
    const adDataCode = extractAdDataCode(message);
    const opts = { ...cause, ldapCode, adDataCode };
    switch (ldapCode) {
      case 68: // entryAlreadyExists: DN, sAMAccountName in any case
      case 20: // attributeOrValueExists: member already present
        return new DirectoryError('ALREADY_EXISTS', message, opts);
      case 32: // noSuchObject
      case 16: // noSuchAttribute
        return new DirectoryError('NOT_FOUND', message, opts);
      case 19: // constraintViolation: duplicate UPN, bad characters, password policy
      case 53: // unwillingToPerform: password not quoted, policy refusals
      case 65: // objectClassViolation
      case 67: // notAllowedOnRDN
      case 21: // invalidAttributeSyntax
        return new DirectoryError('CONSTRAINT', message, opts);
      case 49:
        return new DirectoryError('INVALID_CREDENTIALS', message, opts);
      case 50: // insufficientAccessRights
      case 8: // strongerAuthRequired
      case 13: // confidentialityRequired
        return new DirectoryError('ACCESS_DENIED', message, opts);
      case 66: // notAllowedOnNonLeaf
        return new DirectoryError('NOT_EMPTY', message, opts);
      case 51: // busy
      case 52: // unavailable
      case 3: // timeLimitExceeded
      case 80: // other: Samba answers this on transient internal failures
        return new DirectoryError('UNAVAILABLE', message, opts);
      case 34: // invalidDNSyntax
      case 64: // namingViolation
      case 17: // undefinedAttributeType
      case 2: // protocolError
        return new DirectoryError('INVALID_REQUEST', message, opts);
      default:
        return new DirectoryError('UNKNOWN', message, opts);
    }
  }
  const errno = (error as { code?: unknown } | null)?.code;
  if (
    (typeof errno === 'string' && CONNECTION_ERRNO.has(errno)) ||
    /connection (closed|timeout|refused|reset)|socket|timeout|not connected|ECONNREFUSED/i.test(message)
  ) {
    return new DirectoryError('UNAVAILABLE', message, cause);
  }
  return new DirectoryError('UNKNOWN', message, cause);
}

/** AD puts its detail in the diagnostic text: `… data 52e, v4563` or `0000052D: …`. */
function extractAdDataCode(message: string): string | undefined {
  const data = /\bdata ([0-9a-f]{1,8})\b/i.exec(message);
  if (data) return data[1]!.toLowerCase();
  const werror = /^([0-9A-F]{8}):/.exec(message);
  return werror ? werror[1] : undefined;
}
