// register.<tenant>.<entity>.<upserted|deleted>: what register-ingest saw in a tenant's SS 12000 API,
// the record exactly as received (register-ingest normalizes nothing). RESTRICTED: a Person record
// carries civicNo, so the REGISTER stream is internal (identity-normalizer and ops-console only);
// see docs/events.md "Personal data".
import { IsArray, IsIn, IsInt, IsNotEmpty, IsObject, IsOptional, IsString, IsUUID, Matches, Min } from 'class-validator';
import { TENANT_ID_PATTERN } from '../common';
import { Describe, IsTimestamp, Nested } from '../schema/decorators';

export const REGISTER_UPSERT_CAUSES = ['delta', 'reconcile', 'webhook', 'replay'] as const;
export type RegisterUpsertCause = (typeof REGISTER_UPSERT_CAUSES)[number];

@Describe('SS 12000 record metadata as received.')
export class Ss12000Meta {
  @IsOptional()
  @IsString()
  created?: string;

  @IsOptional()
  @IsString()
  modified?: string;
}

@Describe(
  'An SS 12000 v2.1 record exactly as the register sent it. Only `id` is checked here; every other field ' +
    'passes through untouched and is judged by the identity-normalizer (which rejects bad records with a reason).',
)
export class Ss12000Record {
  @Describe('The register uuid of the record.')
  @IsUUID()
  id!: string;

  @IsOptional()
  @Nested(() => Ss12000Meta)
  meta?: Ss12000Meta;

  [field: string]: unknown;
}

@Describe('An SS 12000 Person as received. Carries civicNo, securityMarking, personStatus, enrolments[] etc.')
export class Ss12000PersonRecord extends Ss12000Record {
  @IsOptional()
  @IsString()
  givenName?: string;

  @IsOptional()
  @IsString()
  familyName?: string;

  @Describe('RESTRICTED: `{ value, nationality }` with the personnummer. Never copy into other events or logs.')
  @IsOptional()
  @IsObject()
  civicNo?: Record<string, unknown>;

  @IsOptional()
  @IsString()
  securityMarking?: string;

  @IsOptional()
  @IsArray()
  enrolments?: unknown[];
}

@Describe('An SS 12000 Organisation as received (schoolUnitCode, organisationType, parentOrganisation …).')
export class Ss12000OrganisationRecord extends Ss12000Record {
  @IsOptional()
  @IsString()
  displayName?: string;

  @IsOptional()
  @IsString()
  organisationType?: string;
}

@Describe('An SS 12000 Group as received, with its groupMemberships[].')
export class Ss12000GroupRecord extends Ss12000Record {
  @IsOptional()
  @IsString()
  displayName?: string;

  @IsOptional()
  @IsString()
  groupType?: string;

  @IsOptional()
  @IsArray()
  groupMemberships?: unknown[];
}

@Describe('An SS 12000 Duty as received (person may be absent).')
export class Ss12000DutyRecord extends Ss12000Record {
  @IsOptional()
  @IsString()
  dutyRole?: string;
}

abstract class RegisterEventBase {
  @Describe('Tenant (huvudman) id.')
  @Matches(TENANT_ID_PATTERN)
  tenant!: string;

  @Describe('Which of the tenant\'s registers, when it has several.')
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  registerId?: string;

  @Describe('When register-ingest read the record (its clock); ordering uses the record\'s meta.modified.')
  @IsTimestamp()
  observedAt!: string;
}

abstract class RegisterUpsertedBase extends RegisterEventBase {
  @Describe('sha256 (hex) of the canonical JSON of `record`; unchanged records are not re-published.')
  @Matches(/^[0-9a-f]{64}$/)
  contentHash!: string;

  @Describe('What made ingest read it.')
  @IsIn(REGISTER_UPSERT_CAUSES)
  cause!: RegisterUpsertCause;
}

/** A Person record was created or changed in the register (as received). */
@Describe('A Person record was created or changed in the register. RESTRICTED (civicNo).')
export class RegisterPersonUpsertedV1 extends RegisterUpsertedBase {
  @Nested(() => Ss12000PersonRecord)
  record!: Ss12000PersonRecord;
}

@Describe('An Organisation record was created or changed in the register.')
export class RegisterOrganisationUpsertedV1 extends RegisterUpsertedBase {
  @Nested(() => Ss12000OrganisationRecord)
  record!: Ss12000OrganisationRecord;
}

@Describe('A Group record (with its memberships) was created or changed in the register.')
export class RegisterGroupUpsertedV1 extends RegisterUpsertedBase {
  @Nested(() => Ss12000GroupRecord)
  record!: Ss12000GroupRecord;
}

@Describe('A Duty record was created or changed in the register.')
export class RegisterDutyUpsertedV1 extends RegisterUpsertedBase {
  @Nested(() => Ss12000DutyRecord)
  record!: Ss12000DutyRecord;
}

abstract class RegisterDeletedBase extends RegisterEventBase {
  @Describe('The register uuid of the deleted record.')
  @IsUUID()
  id!: string;

  @Describe('`deletedEntities` = the API reported it; `reconcile` = absent from a full read.')
  @IsIn(['deletedEntities', 'reconcile'])
  detectedBy!: 'deletedEntities' | 'reconcile';
}

@Describe('A Person disappeared from the register.')
export class RegisterPersonDeletedV1 extends RegisterDeletedBase {}

@Describe('An Organisation disappeared from the register.')
export class RegisterOrganisationDeletedV1 extends RegisterDeletedBase {}

@Describe('A Group disappeared from the register.')
export class RegisterGroupDeletedV1 extends RegisterDeletedBase {}

@Describe('A Duty disappeared from the register.')
export class RegisterDutyDeletedV1 extends RegisterDeletedBase {}

export const REGISTER_SYNC_KINDS = ['delta', 'full'] as const;
export type RegisterSyncKind = (typeof REGISTER_SYNC_KINDS)[number];

@Describe(
  "A delta pull or full reconciliation of a tenant's register read everything it asked for, and the events it " +
    'caused are published before this one. Never sent after a partial, failed or held read. Carries no personal data.',
)
export class RegisterSyncCompletedV1 {
  @Describe('Tenant (huvudman) id.')
  @Matches(TENANT_ID_PATTERN)
  tenant!: string;

  @Describe('`delta` = changes since the watermark (schedule, webhook, operator); `full` = a complete read with deletions of what was absent.')
  @IsIn(REGISTER_SYNC_KINDS)
  kind!: RegisterSyncKind;

  @Describe('When the run began (register-ingest\'s clock).')
  @IsTimestamp()
  startedAt!: string;

  @Describe('When every page had been read and the changes were written.')
  @IsTimestamp()
  completedAt!: string;

  @Describe('register.* events the run emitted (upserted and deleted records); 0 when nothing changed.')
  @IsInt()
  @Min(0)
  changes!: number;
}
