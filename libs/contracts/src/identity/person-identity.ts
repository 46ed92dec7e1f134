// The canonical identity: the metadirectory's view of one person, carried whole in every identity
// event (event-carried state) so any consumer can rebuild its view and drop stale versions.
// Never carries a civic number (see sensitive/ for the one consumer that needs it).
import {
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { SCHOOL_UNIT_CODE_PATTERN, SourceReference, TENANT_ID_PATTERN } from '../common';
import { Describe, IsDateOnly, IsTimestamp, Nested } from '../schema/decorators';

/**
 * Lifecycle: pending (known, not yet active: enrolment starts later) → active → leaving (no active
 * enrolment/duty, inside the tenant's grace period) → suspended (grace over, or at once when the person
 * moved to another tenant: account disabled) → deactivated (retention over, or at once: deceased,
 * emigrated, deleted in the register, merged).
 */
export const IDENTITY_STATUSES = ['pending', 'active', 'leaving', 'suspended', 'deactivated'] as const;
export type IdentityStatus = (typeof IDENTITY_STATUSES)[number];

/** Why the identity is in its current status (the cause of the last lifecycle transition). */
export const STATUS_CAUSES = [
  'registered',
  'role-started',
  'role-ended',
  'returned',
  'grace-period-ended',
  'retention-period-ended',
  'deceased',
  'emigrated',
  'register-deleted',
  'moved-to-tenant',
  'merged',
] as const;
export type StatusCause = (typeof STATUS_CAUSES)[number];

/** A normalised address: lower-case, NFC, one @ and a dotted domain (libs/domain normalizeEmail decides validity). */
export const EMAIL_PATTERN = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/** eduPerson affiliations the normalizer derives (Skolfederation words; a pupil is `student`). */
export const AFFILIATIONS = ['student', 'faculty', 'staff', 'employee', 'member', 'affiliate'] as const;
export type Affiliation = (typeof AFFILIATIONS)[number];

export const GROUP_TYPES = [
  'Undervisning',
  'Klass',
  'Mentor',
  'Provgrupp',
  'Schema',
  'Avdelning',
  'Personalgrupp',
  'Övrigt',
] as const;
export type GroupType = (typeof GROUP_TYPES)[number];

@Describe(
  'Names to use downstream, NFC-normalised. For a protected identity (securityMarking ≠ Ingen) they are the ' +
    "tenant's neutral names and `protected` is true: consumers must not look the real names up elsewhere.",
)
export class PersonNames {
  @IsString()
  @IsNotEmpty()
  givenName!: string;

  @IsString()
  @IsNotEmpty()
  familyName!: string;

  @IsString()
  @IsNotEmpty()
  displayName!: string;

  @Describe('True when the person has a security marking; names above are then neutral placeholders.')
  @IsBoolean()
  protected!: boolean;
}

@Describe('A school unit the person belongs to, with Skolverket\'s code.')
export class SchoolUnitRef {
  @Describe('Register uuid of the Organisation (organisationType Skolenhet).')
  @IsUUID()
  organisationId!: string;

  @Describe('Skolenhetskod, 8 digits.')
  @Matches(SCHOOL_UNIT_CODE_PATTERN)
  schoolUnitCode!: string;

  @IsString()
  @IsNotEmpty()
  displayName!: string;

  @Describe('Municipality code of the unit, e.g. 1494.')
  @IsOptional()
  @Matches(/^\d{4}$/)
  municipalityCode?: string;

  @Describe('How the person belongs: as a pupil (enrolment) or as staff (duty).')
  @IsArray()
  @IsIn(['student', 'staff'], { each: true })
  @ArrayUnique()
  roles!: Array<'student' | 'staff'>;
}

@Describe("The pupil's class (SS 12000 group of type Klass); at most one.")
export class ClassRef {
  @IsUUID()
  groupId!: string;

  @IsString()
  @IsNotEmpty()
  displayName!: string;

  @IsOptional()
  @Matches(SCHOOL_UNIT_CODE_PATTERN)
  schoolUnitCode?: string;
}

@Describe('A current group membership (teaching groups, mentor groups, staff groups …).')
export class GroupMembershipRef {
  @IsUUID()
  groupId!: string;

  @IsString()
  @IsNotEmpty()
  displayName!: string;

  @IsIn(GROUP_TYPES)
  groupType!: GroupType;

  @Describe('Register uuid of the organisation owning the group.')
  @IsUUID()
  organisationId!: string;

  @Describe('member = listed in groupMemberships; teacher/mentor = via a duty assignmentRole.')
  @IsIn(['member', 'teacher', 'mentor'])
  role!: 'member' | 'teacher' | 'mentor';
}

@Describe('An active enrolment (startDate ≤ today ≤ endDate, not cancelled), summarised.')
export class EnrolmentSummary {
  @IsUUID()
  organisationId!: string;

  @Matches(SCHOOL_UNIT_CODE_PATTERN)
  schoolUnitCode!: string;

  @Describe('SS 12000 schoolType code: FS, FKLASS, FTH, GR, GRS, TR, SP, SAM, GY, GYS, VUX…, SFI.')
  @IsString()
  @IsNotEmpty()
  schoolType!: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(13)
  schoolYear?: number;

  @Describe('Programme code (upper secondary), when given.')
  @IsOptional()
  @IsString()
  programme?: string;

  @IsDateOnly()
  startDate!: string;

  @Describe('Inclusive.')
  @IsOptional()
  @IsDateOnly()
  endDate?: string;
}

@Describe('An active staff duty, summarised.')
export class DutySummary {
  @IsUUID()
  dutyId!: string;

  @IsUUID()
  organisationId!: string;

  @IsOptional()
  @Matches(SCHOOL_UNIT_CODE_PATTERN)
  schoolUnitCode?: string;

  @Describe('SS 12000 dutyRole, e.g. Lärare, Rektor, Skolsköterska.')
  @IsString()
  @IsNotEmpty()
  dutyRole!: string;

  @IsOptional()
  @IsString()
  signature?: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  dutyPercent?: number;

  @IsDateOnly()
  startDate!: string;

  @IsOptional()
  @IsDateOnly()
  endDate?: string;
}

@Describe('The canonical identity of one person in one tenant.')
export class PersonIdentityV1 {
  @Describe('Stable id of the identity in the metadirectory (not the register id).')
  @IsUUID()
  identityId!: string;

  @Describe('Tenant (huvudman) id.')
  @Matches(TENANT_ID_PATTERN)
  tenant!: string;

  @Describe(
    'Monotonically increasing per identity, +1 for every published change. Consumers keep the highest ' +
      'version they applied and ignore any event with a version ≤ it (stale or duplicate).',
  )
  @IsInt()
  @Min(1)
  version!: number;

  @IsIn(IDENTITY_STATUSES)
  status!: IdentityStatus;

  @Describe(
    'Cause of the transition into `status`, e.g. moved-to-tenant (the person is active in another tenant: ' +
      'leaving and suspended at once, without a grace period), grace-period-ended, deceased, merged.',
  )
  @IsOptional()
  @IsIn(STATUS_CAUSES)
  statusCause?: StatusCause;

  @Nested(() => PersonNames)
  names!: PersonNames;

  @Describe(
    "The person's school or work address from the register (SS 12000 Person.emails: type Skola elev / Skola " +
      'personal by role, else Arbete övrigt; never Privat), validated and lower-cased. Absent when there is none, ' +
      'when it is invalid, or for a protected identity.',
  )
  @IsOptional()
  @IsString()
  @MaxLength(254)
  @Matches(EMAIL_PATTERN)
  email?: string;

  @Describe('Derived eduPerson affiliations (no scope; add the tenant scope when releasing).')
  @IsArray()
  @IsIn(AFFILIATIONS, { each: true })
  @ArrayUnique()
  affiliations!: Affiliation[];

  @Nested(() => SchoolUnitRef, { each: true })
  schoolUnits!: SchoolUnitRef[];

  @Describe('The pupil\'s class; absent for staff and pupils without one.')
  @IsOptional()
  @Nested(() => ClassRef)
  class?: ClassRef;

  @Nested(() => GroupMembershipRef, { each: true })
  groups!: GroupMembershipRef[];

  @Nested(() => EnrolmentSummary, { each: true })
  enrolments!: EnrolmentSummary[];

  @Nested(() => DutySummary, { each: true })
  duties!: DutySummary[];

  @Describe('The register records this identity was built from (the SS 12000 Person id, per register).')
  @Nested(() => SourceReference, { each: true })
  sourceRefs!: SourceReference[];

  @IsTimestamp()
  createdAt!: string;

  @Describe('When this version was produced.')
  @IsTimestamp()
  updatedAt!: string;

  @IsTimestamp()
  statusChangedAt!: string;

  @Describe('While leaving: when the grace period ends and the identity will be deactivated.')
  @IsOptional()
  @IsTimestamp()
  graceEndsAt?: string;
}
