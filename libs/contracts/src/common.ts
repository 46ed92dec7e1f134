// Value classes shared by several events. Identifiers are the register's uuids unless named otherwise.
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, IsUUID, Min } from 'class-validator';
import { Describe } from './schema/decorators';

/** Tenant (huvudman) ids are subject tokens: lower-case, no dots or wildcards. */
export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** Skolverket's skolenhetskod. */
export const SCHOOL_UNIT_CODE_PATTERN = /^\d{8}$/;
/** A Swedish personnummer / samordningsnummer, 12 digits, no separator. Only in restricted events. */
export const CIVIC_NUMBER_PATTERN = /^\d{12}$/;

export const APP_NAMES = [
  'register-ingest',
  'identity-normalizer',
  'ad-provisioner',
  'federation-publisher',
  'ops-console',
  'register-simulator',
  'claim',
  'claim-portal',
] as const;
export type AppName = (typeof APP_NAMES)[number];

export const SS12000_ENTITIES = ['Person', 'Organisation', 'Group', 'Duty'] as const;
export type Ss12000Entity = (typeof SS12000_ENTITIES)[number];

@Describe('Where a fact came from: one record in one source system.')
export class SourceReference {
  @Describe('The source system; `ss12000` for a student register.')
  @IsIn(['ss12000', 'manual'])
  system!: 'ss12000' | 'manual';

  @Describe('Entity type in the source system.')
  @IsIn(SS12000_ENTITIES)
  entity!: Ss12000Entity;

  @Describe('The record id in the source (SS 12000 uuid).')
  @IsUUID()
  id!: string;

  @Describe('Which register of the tenant, when a tenant has several (config `registers[].id`).')
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  registerId?: string;
}

@Describe('A threshold that was exceeded (safety rail).')
export class ThresholdBreach {
  @IsIn(['count', 'percent'])
  kind!: 'count' | 'percent';

  @Describe('The configured limit.')
  @Min(0)
  @IsInt()
  limit!: number;

  @Describe('What the batch would have done.')
  @Min(0)
  @IsInt()
  actual!: number;
}

@Describe('An error in a form safe for logs and dashboards (no personal data).')
export class ErrorSummary {
  @Describe('Stable machine-readable code, e.g. SCHEMA_INVALID, ALREADY_EXISTS, UNAVAILABLE.')
  @IsString()
  @IsNotEmpty()
  code!: string;

  @IsString()
  message!: string;
}


