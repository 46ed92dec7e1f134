// federation.<tenant>.attributes.<published|revoked>: what federation-publisher now answers the IdP for
// an identity; .failed: values it did not publish because they broke their rule. Never carries
// norEduPersonNIN (that comes from sensitive.* and stays inside the publisher).
import { ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, IsUUID, Matches, MaxLength, Min } from 'class-validator';
import { SCHOOL_UNIT_CODE_PATTERN, TENANT_ID_PATTERN } from '../common';
import { Describe, IsTimestamp, Nested } from '../schema/decorators';

const SCOPED = /^[a-z-]+@[A-Za-z0-9][A-Za-z0-9.-]*$/;
const EPPN = /^[^@\s]+@[A-Za-z0-9][A-Za-z0-9.-]*$/;

@Describe('The Skolfederation attribute set released by default (release policies may narrow it per SP).')
export class FederationAttributes {
  @Describe('local@scope, opaque, never reassigned.')
  @Matches(EPPN)
  eduPersonPrincipalName!: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9]{1,64}@[A-Za-z0-9][A-Za-z0-9.-]*$/)
  eduPersonUniqueId?: string;

  @IsArray()
  @Matches(SCOPED, { each: true })
  eduPersonScopedAffiliation!: string[];

  @IsArray()
  @Matches(SCHOOL_UNIT_CODE_PATTERN, { each: true })
  sisSchoolUnitCode!: string[];

  @Describe('Absent for protected identities.')
  @IsOptional()
  @IsString()
  givenName?: string;

  @IsOptional()
  @IsString()
  sn?: string;

  @IsOptional()
  @IsString()
  displayName?: string;

  @IsOptional()
  @IsString()
  mail?: string;

  @IsString()
  @IsNotEmpty()
  schacHomeOrganization!: string;
}

@Describe('The attributes for an identity were (re)computed and are being released.')
export class AttributesPublishedV1 {
  @IsUUID()
  identityId!: string;

  @Matches(TENANT_ID_PATTERN)
  tenant!: string;

  @IsInt()
  @Min(1)
  identityVersion!: number;

  @Describe('True when the identity is protected: minimal attributes.')
  @IsBoolean()
  protected!: boolean;

  @Nested(() => FederationAttributes)
  attributes!: FederationAttributes;

  @IsTimestamp()
  publishedAt!: string;
}

@Describe('The IdP no longer releases attributes for the identity (deactivated). Identifiers stay reserved.')
export class AttributesRevokedV1 {
  @IsUUID()
  identityId!: string;

  @Matches(TENANT_ID_PATTERN)
  tenant!: string;

  @IsInt()
  @Min(1)
  identityVersion!: number;

  @Matches(EPPN)
  eduPersonPrincipalName!: string;

  @IsIn(['deactivated', 'suspended', 'operator'])
  reason!: 'deactivated' | 'suspended' | 'operator';

  @IsTimestamp()
  revokedAt!: string;
}

@Describe('One attribute value that broke its rule.')
export class AttributeFailure {
  @Describe('The Skolfederation attribute, e.g. sisSchoolUnitCode.')
  @Matches(/^[A-Za-z][A-Za-z-]{1,63}$/)
  attribute!: string;

  @Describe('The rule the value broke, as a sentence (never contains the value).')
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  rule!: string;

  @Describe(
    'The failing value, only for attributes that are not personal data (school unit codes, identifiers, ' +
      'affiliations) and never for a protected identity. Absent for names, mail and civic numbers.',
  )
  @IsOptional()
  @IsString()
  @MaxLength(256)
  value?: string;
}

@Describe('Values of an identity failed their rules and were not published (the rest of the set was).')
export class AttributesFailedV1 {
  @IsUUID()
  identityId!: string;

  @Matches(TENANT_ID_PATTERN)
  tenant!: string;

  @IsInt()
  @Min(1)
  identityVersion!: number;

  @Nested(() => AttributeFailure, { each: true })
  @ArrayMinSize(1)
  failures!: AttributeFailure[];

  @IsTimestamp()
  failedAt!: string;
}
