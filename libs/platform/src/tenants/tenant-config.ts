import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  ArrayUnique,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateBy,
  ValidateNested,
} from 'class-validator';

/**
 * One huvudman (tenant) as configured in config/tenants.yaml. Secrets are never in the file: the
 * file names the environment variables (or secret files) that hold them.
 */
export class RegisterAuthConfig {
  @IsIn(['none', 'bearer', 'oauth2', 'apiKey'])
  type!: 'none' | 'bearer' | 'oauth2' | 'apiKey';

  /** bearer: env var holding the token; apiKey: env var holding the key; oauth2: env var holding the client secret. */
  @IsOptional()
  @Matches(/^[A-Z][A-Z0-9_]*$/, { message: 'must name an environment variable (A-Z, 0-9, _)' })
  secretEnv?: string;

  @IsOptional() @IsString() @IsNotEmpty() headerName?: string;
  @IsOptional() @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' }) tokenUrl?: string;
  @IsOptional() @IsString() @IsNotEmpty() clientId?: string;
  @IsOptional() @IsString() scope?: string;
}

export class RegisterConfig {
  /** Base URL of the SS 12000 v2.1 API, e.g. https://register.example/v2.1 */
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' })
  baseUrl!: string;

  @ValidateNested() @Type(() => RegisterAuthConfig)
  auth!: RegisterAuthConfig;

  /** Env var holding the shared secret the register's webhooks must present. */
  @IsOptional()
  @Matches(/^[A-Z][A-Z0-9_]*$/, { message: 'must name an environment variable (A-Z, 0-9, _)' })
  webhookSecretEnv?: string;

  @IsInt() @Min(5) @Max(86_400) deltaIntervalSeconds: number = 60;
  /** Cron-like daily time (HH:MM, local) of the full reconciliation. */
  @Matches(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be HH:MM' }) fullReconcileAt: string = '02:30';
  /** A full read with fewer than this share of the previous count is held for approval. */
  @Min(0) @Max(1) minFullReadShare: number = 0.8;
}

export class DirectoryLayoutConfig {
  /** The tenant's OU name under OU=Skolkonto,<base DN>. */
  @IsString() @IsNotEmpty() @Matches(/^[^,=+<>#;\\"]+$/, { message: 'must be a plain OU name without DN special characters' })
  ouName!: string;

  @Matches(/^[a-z0-9.-]+\.[a-z]{2,}$/, { message: 'must be a DNS domain in lower case' })
  upnSuffix!: string;

  @IsString() pupilsOu: string = 'Elever';
  @IsString() staffOu: string = 'Personal';
  @IsString() groupsOu: string = 'Grupper';
  @IsString() leaversOu: string = 'Avslutade';
}

export class NamingConfig {
  @IsString() @IsNotEmpty() pupilPattern: string = '{first:3}{last:3}{nn}';
  @IsString() @IsNotEmpty() staffPattern: string = '{first}.{last}';
  /** Display name given to protected identities in AD and attributes. */
  @IsString() @IsNotEmpty() protectedDisplayName: string = 'Skyddad identitet';
}

export class LifecycleConfig {
  /** MM-DD: pupils whose last enrolment ended in June keep their account until this date. */
  @Matches(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, { message: 'must be MM-DD' })
  pupilSummerGraceUntil: string = '08-31';
  @IsInt() @Min(0) @Max(365) graceDays: number = 30;
  @IsInt() @Min(0) @Max(3650) retentionDays: number = 180;
}

export class ThresholdConfig {
  @IsInt() @Min(0) maxDisablesOrDeletes: number = 50;
  @Min(0) @Max(100) maxPercent: number = 10;
}

/** Skolfederation attributes that can be written to AD (norEduPersonNIN never is). */
export const DIRECTORY_MAPPABLE_ATTRIBUTES = [
  'eduPersonPrincipalName',
  'eduPersonUniqueId',
  'eduPersonScopedAffiliation',
  'eduPersonAffiliation',
  'sisSchoolUnitCode',
  'schacHomeOrganization',
  'mail',
] as const;

/**
 * AD attributes the provisioner writes from identity events, or AD computes, or that carry the
 * correlation id: a federation value written there would fight the provisioner or break adoption.
 */
export const DIRECTORY_RESERVED_ATTRIBUTES = [
  'objectclass',
  'objectguid',
  'cn',
  'name',
  'samaccountname',
  'userprincipalname',
  'givenname',
  'sn',
  'displayname',
  'unicodepwd',
  'useraccountcontrol',
  'pwdlastset',
  'memberof',
  'member',
  'distinguishedname',
  'msds-cloudextensionattribute1',
];

/** LDAP attribute names compare case-insensitively. */
function IsNoneOfIgnoringCase(values: readonly string[], message: string): PropertyDecorator {
  return ValidateBy({
    name: 'isNoneOfIgnoringCase',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && !values.includes(value.toLowerCase()),
      defaultMessage: () => message,
    },
  });
}

/** Where one published Skolfederation attribute goes in AD (surface 1 for IdPs that read AD). */
export class DirectoryAttributeMappingConfig {
  @IsIn(DIRECTORY_MAPPABLE_ATTRIBUTES, { message: `must be one of ${DIRECTORY_MAPPABLE_ATTRIBUTES.join(', ')}` })
  attribute!: (typeof DIRECTORY_MAPPABLE_ATTRIBUTES)[number];

  /** An attribute of the user class in the AD schema (checked against AD when written). */
  @Matches(/^[A-Za-z][A-Za-z0-9-]{0,63}$/, { message: 'must be an LDAP attribute name' })
  @IsNoneOfIgnoringCase(DIRECTORY_RESERVED_ATTRIBUTES, 'is written by the provisioner itself (names, state, correlation id)')
  adAttribute!: string;

  /** single: the first value; multi: every value (multi-valued AD attribute); joined: one value joined by `delimiter`. */
  @IsIn(['single', 'multi', 'joined']) mode!: 'single' | 'multi' | 'joined';

  @IsOptional() @IsString() @IsNotEmpty() delimiter?: string;
}

export class FederationConfig {
  /** The shibmd:Scope the tenant registered, e.g. skara.se */
  @Matches(/^[a-z0-9.-]+\.[a-z]{2,}$/, { message: 'must be a DNS domain in lower case' })
  scope!: string;
  /** schacHomeOrganization; defaults to the scope. */
  @IsOptional() @Matches(/^[a-z0-9.-]+\.[a-z]{2,}$/, { message: 'must be a DNS domain in lower case' })
  homeOrganization?: string;
  /**
   * How the published attributes are written into the tenant's AD accounts. Absent: the default
   * mapping (docs/idp/README.md); an empty list writes none.
   */
  @IsOptional()
  @ValidateNested({ each: true })
  @Type(() => DirectoryAttributeMappingConfig)
  @ArrayUnique((entry: DirectoryAttributeMappingConfig) => entry.adAttribute?.toLowerCase(), { message: 'each AD attribute may be mapped once' })
  directoryAttributes?: DirectoryAttributeMappingConfig[];
}

export class TenantConfig {
  @Matches(/^[a-z][a-z0-9-]{1,30}$/, { message: 'must be a lower-case slug (a-z, 0-9, -), 2-31 characters' })
  id!: string;

  @IsString() @IsNotEmpty() name!: string;

  @Matches(/^\d{4}$/, { message: 'must be the four-digit municipality code' })
  municipalityCode!: string;

  @ValidateNested() @Type(() => RegisterConfig) register!: RegisterConfig;
  @ValidateNested() @Type(() => DirectoryLayoutConfig) directory!: DirectoryLayoutConfig;
  @ValidateNested() @Type(() => FederationConfig) federation!: FederationConfig;
  @ValidateNested() @Type(() => NamingConfig) naming: NamingConfig = new NamingConfig();
  @ValidateNested() @Type(() => LifecycleConfig) lifecycle: LifecycleConfig = new LifecycleConfig();
  @ValidateNested() @Type(() => ThresholdConfig) thresholds: ThresholdConfig = new ThresholdConfig();

  @IsOptional() @IsBoolean() dryRun?: boolean;
}

export class TenantsFile {
  @ValidateNested({ each: true })
  @Type(() => TenantConfig)
  @ArrayMinSize(1)
  @ArrayUnique((tenant: TenantConfig) => tenant.id, { message: 'tenant ids must be unique' })
  tenants!: TenantConfig[];
}
