// ops.<tenant>.…: what operators need to see or decide. Plans held by a safety rail and the operator's
// decision, records rejected as bad input, dead letters, and ambiguous correlations to review.
// No personal data beyond ids: the console looks details up through the owning service.
import {
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Min,
} from 'class-validator';
import { APP_NAMES, ErrorSummary, SourceReference, TENANT_ID_PATTERN, ThresholdBreach, type AppName } from '../common';
import { Describe, IsTimestamp, Nested } from '../schema/decorators';

/** Tenant token used when a fact belongs to no tenant (e.g. an unparsable dead letter). */
export const NO_TENANT = 'no-tenant';

export const PLAN_ACTIONS = ['create', 'update', 'move', 'disable', 'enable', 'delete', 'revoke'] as const;
export type PlanAction = (typeof PLAN_ACTIONS)[number];

@Describe('One change a plan would make, with the state before and after (as the source app shows it).')
export class PlanOperation {
  @IsInt()
  @Min(0)
  index!: number;

  @IsIn(PLAN_ACTIONS)
  action!: PlanAction;

  @IsOptional()
  @IsUUID()
  identityId?: string;

  @Describe('What the operation touches, e.g. an account DN or an ePPN.')
  @IsString()
  @IsNotEmpty()
  target!: string;

  @Describe('State before (null when created). Protected identities show neutral names only.')
  @IsOptional()
  @IsObject()
  before?: Record<string, unknown> | null;

  @Describe('State after (null when deleted).')
  @IsOptional()
  @IsObject()
  after?: Record<string, unknown> | null;
}

abstract class PlanEventBase {
  @IsUUID()
  planId!: string;

  @Matches(TENANT_ID_PATTERN)
  tenant!: string;

  @Describe('The app that made the plan and will execute it once approved.')
  @IsIn(APP_NAMES)
  sourceApp!: AppName;
}

@Describe('A batch exceeded the tenant\'s change threshold and is held for operator approval.')
export class PlanHeldV1 extends PlanEventBase {
  @IsString()
  @IsNotEmpty()
  reason!: string;

  @Nested(() => ThresholdBreach, { each: true })
  thresholds!: ThresholdBreach[];

  @Nested(() => PlanOperation, { each: true })
  operations!: PlanOperation[];

  @IsTimestamp()
  heldAt!: string;

  @Describe('When the plan lapses if nobody decides.')
  @IsOptional()
  @IsTimestamp()
  expiresAt?: string;
}

@Describe('An operator approved a held plan; the source app executes it.')
export class PlanApprovedV1 extends PlanEventBase {
  @Describe('Operator account name (not a person\'s civic data).')
  @IsString()
  @IsNotEmpty()
  decidedBy!: string;

  @IsTimestamp()
  decidedAt!: string;

  @Describe('Indexes of the operations approved; absent = all of them.')
  @IsOptional()
  @IsArray()
  @IsInt({ each: true })
  operationIndexes?: number[];

  @IsOptional()
  @IsString()
  comment?: string;
}

@Describe('An operator rejected a held plan; the source app discards it.')
export class PlanRejectedV1 extends PlanEventBase {
  @IsString()
  @IsNotEmpty()
  decidedBy!: string;

  @IsTimestamp()
  decidedAt!: string;

  @IsString()
  @IsNotEmpty()
  reason!: string;
}

@Describe('A record was rejected as bad input (e.g. a register person without names); kept for replay.')
export class RecordRejectedV1 {
  @Matches(TENANT_ID_PATTERN)
  tenant!: string;

  @IsIn(APP_NAMES)
  sourceApp!: AppName;

  @Nested(() => SourceReference)
  record!: SourceReference;

  @Describe('The event that carried the record, when there was one.')
  @IsOptional()
  @IsUUID()
  eventId?: string;

  @Describe('Stable code, e.g. MISSING_NAME, INVALID_SCHOOL_UNIT_CODE.')
  @IsString()
  @IsNotEmpty()
  code!: string;

  @Describe('Every reason, safe for a dashboard (no civic numbers or protected names).')
  @IsArray()
  @IsString({ each: true })
  reasons!: string[];

  @IsTimestamp()
  rejectedAt!: string;
}

@Describe('A message could not be handled and was moved to the dead-letter stream.')
export class DeadLetterRecordedV1 {
  @Describe(`Tenant of the original event, or "${NO_TENANT}" when unknown.`)
  @Matches(TENANT_ID_PATTERN)
  tenant!: string;

  @Describe('The durable consumer that gave up, `<app>-<use-case>`.')
  @IsString()
  @IsNotEmpty()
  consumer!: string;

  @IsString()
  @IsNotEmpty()
  stream!: string;

  @IsInt()
  @Min(1)
  streamSequence!: number;

  @IsString()
  @IsNotEmpty()
  originalSubject!: string;

  @IsOptional()
  @IsString()
  originalEventId?: string;

  @IsOptional()
  @IsString()
  originalType?: string;

  @Describe('Subject of the stored dead letter, `deadletter.<original subject>`.')
  @IsString()
  @IsNotEmpty()
  deadLetterSubject!: string;

  @Describe('Sequence of the stored dead letter in the DEADLETTER stream (for replay).')
  @IsInt()
  @Min(1)
  deadLetterSequence!: number;

  @IsInt()
  @Min(1)
  attempts!: number;

  @Describe('permanent = schema/version/rule failure; exhausted = transient failures on every delivery.')
  @IsIn(['permanent', 'exhausted'])
  kind!: 'permanent' | 'exhausted';

  @Nested(() => ErrorSummary)
  error!: ErrorSummary;

  @IsTimestamp()
  recordedAt!: string;
}

@Describe('A candidate identity for an ambiguous correlation.')
export class ReviewCandidate {
  @IsUUID()
  identityId!: string;

  @Describe('Why it matched, e.g. "same civic number", "same name and birth date" (no values).')
  @IsArray()
  @IsString({ each: true })
  matchedOn!: string[];
}

@Describe('A record could not be correlated to one identity with certainty; an operator must decide.')
export class ReviewRequestedV1 {
  @IsUUID()
  reviewId!: string;

  @Matches(TENANT_ID_PATTERN)
  tenant!: string;

  @IsIn(APP_NAMES)
  sourceApp!: AppName;

  @IsIn(['ambiguous-correlation', 'civic-number-conflict', 'other'])
  kind!: 'ambiguous-correlation' | 'civic-number-conflict' | 'other';

  @Nested(() => SourceReference)
  record!: SourceReference;

  @Nested(() => ReviewCandidate, { each: true })
  candidates!: ReviewCandidate[];

  @IsString()
  @IsNotEmpty()
  reason!: string;

  @IsTimestamp()
  requestedAt!: string;
}

@Describe('An operator issued a one-time claim code for an account (claim-portal). Never carries the code or its hash.')
export class ClaimCodeIssuedV1 {
  @Describe('Id of the claim code (the code itself is shown once to the operator and stored only as a hash).')
  @IsUUID()
  claimCodeId!: string;

  @Matches(TENANT_ID_PATTERN)
  tenant!: string;

  @IsUUID()
  identityId!: string;

  @IsString()
  @IsNotEmpty()
  sAMAccountName!: string;

  @Describe('Who issued it (the operator name the console passed).')
  @IsString()
  @IsNotEmpty()
  issuedBy!: string;

  @Describe('How the operator chose the account: one person, a class, or a school unit.')
  @IsIn(['person', 'class', 'school'])
  scope!: 'person' | 'class' | 'school';

  @Describe('True when an earlier unused code of the account was invalidated by this one.')
  @IsBoolean()
  replacedPrevious!: boolean;

  @IsTimestamp()
  issuedAt!: string;

  @IsTimestamp()
  expiresAt!: string;
}

export const REVIEW_DECISIONS = ['link', 'keep-separate'] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];

@Describe(
  'An operator decided a review item. link = the candidates are one person: the kept identity continues and ' +
    'the others are deactivated (reason merged) and linked to it; keep-separate = different persons, nothing ' +
    'changes and the same conflict is not raised again. Applied by the app that requested the review.',
)
export class ReviewResolvedV1 {
  @Describe('The reviewId of the ops.<tenant>.review.requested being decided.')
  @IsUUID()
  reviewId!: string;

  @Matches(TENANT_ID_PATTERN)
  tenant!: string;

  @Describe('The app that requested the review and applies the decision.')
  @IsIn(APP_NAMES)
  sourceApp!: AppName;

  @IsIn(REVIEW_DECISIONS)
  decision!: ReviewDecision;

  @Describe('link only: the candidate identity to keep; absent = the candidate created first.')
  @IsOptional()
  @IsUUID()
  keepIdentityId?: string;

  @Describe("Operator account name (not a person's civic data).")
  @IsString()
  @IsNotEmpty()
  decidedBy!: string;

  @IsTimestamp()
  decidedAt!: string;

  @IsOptional()
  @IsString()
  comment?: string;
}
