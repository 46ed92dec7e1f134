// directory.<tenant>.account.<…>, directory.<tenant>.group.synced, directory.<tenant>.drift.detected:
// what ad-provisioner did in Active Directory. CloudEvents `subject` = identityId for account events.
import {
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Min,
} from 'class-validator';
import { ErrorSummary, TENANT_ID_PATTERN } from '../common';
import { Describe, IsTimestamp, Nested } from '../schema/decorators';

abstract class AccountEventBase {
  @IsUUID()
  identityId!: string;

  @Matches(TENANT_ID_PATTERN)
  tenant!: string;

  @Describe('The identity version that caused this change; consumers can drop older ones.')
  @IsInt()
  @Min(1)
  identityVersion!: number;

  @Describe('AD objectGUID (the stable link; DNs and names change).')
  @IsUUID()
  accountId!: string;

  @IsString()
  @IsNotEmpty()
  sAMAccountName!: string;

  @IsString()
  @IsNotEmpty()
  userPrincipalName!: string;

  @IsString()
  @IsNotEmpty()
  distinguishedName!: string;

  @IsBoolean()
  enabled!: boolean;

  @IsTimestamp()
  occurredAt!: string;
}

@Describe('An AD account was created for an identity (or an existing one linked).')
export class AccountProvisionedV1 extends AccountEventBase {
  @Describe('created = new object; linked = an existing object was adopted.')
  @IsIn(['created', 'linked'])
  mode!: 'created' | 'linked';
}

@Describe('Attributes of an AD account changed.')
export class AccountUpdatedV1 extends AccountEventBase {
  @Describe('LDAP attribute names that were written (values are not repeated here).')
  @IsArray()
  @IsString({ each: true })
  changedAttributes!: string[];
}

@Describe('An AD account moved to another OU (e.g. another school unit).')
export class AccountMovedV1 extends AccountEventBase {
  @IsString()
  @IsNotEmpty()
  fromDn!: string;
}

@Describe('An AD account was disabled (identity deactivated, suspended, or plan approved).')
export class AccountDisabledV1 extends AccountEventBase {
  @IsString()
  @IsNotEmpty()
  reason!: string;
}

@Describe('An AD account was deleted after the retention period. Its names stay reserved.')
export class AccountDeletedV1 extends AccountEventBase {
  @IsString()
  @IsNotEmpty()
  reason!: string;
}

@Describe('The person set the first password of the account with a one-time claim code (claim-portal). No code, no names.')
export class AccountClaimedV1 {
  @IsUUID()
  identityId!: string;

  @Matches(TENANT_ID_PATTERN)
  tenant!: string;

  @Describe('AD objectGUID of the claimed account.')
  @IsUUID()
  accountId!: string;

  @IsString()
  @IsNotEmpty()
  sAMAccountName!: string;

  @Describe('Id of the claim code that was used (not the code).')
  @IsUUID()
  claimCodeId!: string;

  @IsTimestamp()
  claimedAt!: string;
}

@Describe('ad-provisioner could not apply an identity to AD; the reason is safe to show.')
export class AccountFailedV1 {
  @IsUUID()
  identityId!: string;

  @Matches(TENANT_ID_PATTERN)
  tenant!: string;

  @IsInt()
  @Min(1)
  identityVersion!: number;

  @IsOptional()
  @IsUUID()
  accountId?: string;

  @IsIn(['provision', 'update', 'move', 'disable', 'enable', 'delete', 'sync-groups'])
  operation!: 'provision' | 'update' | 'move' | 'disable' | 'enable' | 'delete' | 'sync-groups';

  @Nested(() => ErrorSummary)
  error!: ErrorSummary;

  @Describe('True when the provisioner will try again by itself.')
  @IsBoolean()
  retryable!: boolean;

  @IsInt()
  @Min(1)
  attempts!: number;

  @IsTimestamp()
  occurredAt!: string;
}

@Describe('An AD group mirrors a register group (class, teaching group …) after a sync.')
export class GroupSyncedV1 {
  @Matches(TENANT_ID_PATTERN)
  tenant!: string;

  @Describe('Register uuid of the SS 12000 Group.')
  @IsUUID()
  groupId!: string;

  @Describe('AD objectGUID of the group.')
  @IsUUID()
  adGroupId!: string;

  @IsString()
  @IsNotEmpty()
  distinguishedName!: string;

  @IsInt()
  @Min(0)
  memberCount!: number;

  @Describe('Identity ids added in this sync.')
  @IsArray()
  @IsUUID('all', { each: true })
  added!: string[];

  @Describe('Identity ids removed in this sync.')
  @IsArray()
  @IsUUID('all', { each: true })
  removed!: string[];

  @IsTimestamp()
  occurredAt!: string;
}

@Describe('One attribute that differs between AD and what the metadirectory says it should be.')
export class DriftedAttribute {
  @IsString()
  @IsNotEmpty()
  name!: string;

  @Describe('Expected value; omitted for protected identities and name attributes.')
  @IsOptional()
  @IsString()
  expected?: string;

  @IsOptional()
  @IsString()
  actual?: string;
}

@Describe('AD was found to differ from the metadirectory (someone changed it by hand, or an object is unknown).')
export class DriftDetectedV1 {
  @Matches(TENANT_ID_PATTERN)
  tenant!: string;

  @IsIn(['attribute', 'location', 'membership', 'unknown-account', 'missing-account', 'enabled-state'])
  kind!: 'attribute' | 'location' | 'membership' | 'unknown-account' | 'missing-account' | 'enabled-state';

  @IsOptional()
  @IsUUID()
  identityId?: string;

  @IsOptional()
  @IsUUID()
  accountId?: string;

  @IsString()
  @IsNotEmpty()
  distinguishedName!: string;

  @Nested(() => DriftedAttribute, { each: true })
  attributes!: DriftedAttribute[];

  @Describe('corrected = the provisioner put AD back; reported = left for an operator.')
  @IsIn(['corrected', 'reported'])
  action!: 'corrected' | 'reported';

  @IsTimestamp()
  detectedAt!: string;
}
