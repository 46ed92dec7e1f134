import type { SourceReference } from '@skolkonto/contracts';

/**
 * The part of an identity event (identity.<tenant>.person.*, PersonIdentityV1 in libs/contracts)
 * the publisher computes attributes from. Structural, so the contract class fits as is.
 */
export type IdentityStatus = 'pending' | 'active' | 'leaving' | 'suspended' | 'deactivated';

export interface IdentitySnapshot {
  identityId: string;
  tenant: string;
  version: number;
  status: IdentityStatus;
  names: { givenName: string; familyName: string; displayName: string; protected: boolean };
  schoolUnits: Array<{ schoolUnitCode: string; roles: Array<'student' | 'staff'> }>;
  groups: Array<{ displayName: string }>;
  enrolments: Array<{ schoolUnitCode: string }>;
  duties: Array<{ dutyRole: string; schoolUnitCode?: string }>;
  /** The register records behind the identity. */
  sourceRefs?: SourceReference[];
  /** The normalized (lower-cased) address from PersonIdentityV1.email, optional; becomes `mail` when valid. */
  email?: string;
}
