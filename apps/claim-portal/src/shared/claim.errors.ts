/** claim-portal's use-case errors; only the admin controller turns them into HTTP answers. */
export class ClaimError extends Error {
  constructor(
    readonly code: 'UNKNOWN_TENANT' | 'UNKNOWN_GROUP' | 'UNKNOWN_SCHOOL' | 'UNKNOWN_ACCOUNT',
    message: string,
  ) {
    super(message);
    this.name = 'ClaimError';
  }
}
