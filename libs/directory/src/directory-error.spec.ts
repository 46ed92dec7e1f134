import {
  AlreadyExistsError,
  BusyError,
  ConstraintViolationError,
  InvalidCredentialsError,
  NoSuchObjectError,
  NotAllowedOnNonLeafError,
  UnavailableError,
  UnwillingToPerformError,
  TypeOrValueExistsError,
  InsufficientAccessError,
} from 'ldapts';
import { DirectoryError, toDirectoryError } from './directory-error';

describe(toDirectoryError.name, () => {
  it.each([
    [new AlreadyExistsError('exists'), 'ALREADY_EXISTS', 68],
    [new TypeOrValueExistsError('member present'), 'ALREADY_EXISTS', 20],
    [new ConstraintViolationError('0000052D: Constraint violation'), 'CONSTRAINT', 19],
    [new UnwillingToPerformError('password'), 'CONSTRAINT', 53],
    [new NoSuchObjectError('nope'), 'NOT_FOUND', 32],
    [new NotAllowedOnNonLeafError('children'), 'NOT_EMPTY', 66],
    [new BusyError('busy'), 'UNAVAILABLE', 51],
    [new UnavailableError('down'), 'UNAVAILABLE', 52],
    [new InsufficientAccessError('no'), 'ACCESS_DENIED', 50],
  ] as const)('maps %s to %s', (error, code, ldapCode) => {
    const mapped = toDirectoryError(error);
    expect(mapped).toBeInstanceOf(DirectoryError);
    expect(mapped.code).toBe(code);
    expect(mapped.ldapCode).toBe(ldapCode);
    expect(mapped.retryable).toBe(code === 'UNAVAILABLE');
    expect(mapped.cause).toBe(error);
  });

  it('keeps the AD data code of a failed bind', () => {
    const mapped = toDirectoryError(
      new InvalidCredentialsError('80090308: LdapErr: DSID-0C09041C, comment: AcceptSecurityContext error, data 533, v4563'),
    );
    expect(mapped.code).toBe('INVALID_CREDENTIALS');
    expect(mapped.adDataCode).toBe('533');
    expect(toDirectoryError(new ConstraintViolationError('0000052D: AtrErr')).adDataCode).toBe('0000052D');
  });

  it('treats refused, reset and closed connections as retryable UNAVAILABLE', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:636'), { code: 'ECONNREFUSED' });
    expect(toDirectoryError(refused).code).toBe('UNAVAILABLE');
    expect(toDirectoryError(new Error('Connection closed before message response was received. Message type: AddRequest (0x68)')).retryable).toBe(true);
    expect(toDirectoryError(new Error('Connection timeout')).retryable).toBe(true);
  });

  it('leaves unknown failures unknown and returns DirectoryErrors unchanged', () => {
    expect(toDirectoryError(new Error('weird')).code).toBe('UNKNOWN');
    const e = new DirectoryError('NOT_FOUND', 'x');
    expect(toDirectoryError(e)).toBe(e);
  });
});
