// identity.<tenant>.person.<changed|deactivated|reactivated>, published by identity-normalizer through
// its outbox. Each carries the whole identity; CloudEvents `subject` = identityId.
import { ArrayUnique, IsArray, IsIn, IsString } from 'class-validator';
import { Describe } from '../schema/decorators';
import { PersonIdentityV1 } from './person-identity';

export const DEACTIVATION_REASONS = [
  'grace-expired',
  'deceased',
  'emigrated',
  'register-deleted',
  'operator',
  'merged',
] as const;
export type DeactivationReason = (typeof DEACTIVATION_REASONS)[number];

/** A person's canonical identity differs from the last one published (including its first appearance). */
@Describe('The canonical identity differs from the last published version (or appeared for the first time).')
export class PersonChangedV1 extends PersonIdentityV1 {
  @Describe('Top-level fields of the identity that differ from the previous version (all of them for version 1).')
  @IsArray()
  @IsString({ each: true })
  @ArrayUnique()
  changedFields!: string[];
}

@Describe('The identity was deactivated: accounts are disabled and federation attributes revoked.')
export class PersonDeactivatedV1 extends PersonIdentityV1 {
  @IsIn(DEACTIVATION_REASONS)
  reason!: DeactivationReason;
}

@Describe('A deactivated (or leaving) identity is active again, e.g. a pupil who came back; identifiers are reused.')
export class PersonReactivatedV1 extends PersonIdentityV1 {
  @IsIn(['re-enrolled', 'register-restored', 'operator'])
  reason!: 're-enrolled' | 'register-restored' | 'operator';
}
