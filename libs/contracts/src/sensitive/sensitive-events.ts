// sensitive.<tenant>.civicno.changed: the only event that carries a civic number after ingest.
// Published by identity-normalizer, consumed only by federation-publisher (norEduPersonNIN, released
// solely to service providers whose policy allows it). Lives in its own SENSITIVE stream so that NATS
// permissions and retention can be tighter than for identity.* (see docs/events.md "Personal data").
import { IsIn, IsInt, IsOptional, IsUUID, Matches, Min } from 'class-validator';
import { CIVIC_NUMBER_PATTERN, TENANT_ID_PATTERN } from '../common';
import { Describe, IsTimestamp } from '../schema/decorators';

@Describe(
  'The civic number of an identity was set, changed or removed. RESTRICTED: never log the payload; ' +
    'consumers other than federation-publisher must not subscribe.',
)
export class CivicNumberChangedV1 {
  @IsUUID()
  identityId!: string;

  @Matches(TENANT_ID_PATTERN)
  tenant!: string;

  @Describe('The identity version this value belongs to; older versions are ignored like identity events.')
  @IsInt()
  @Min(1)
  version!: number;

  @Describe('12 digits YYYYMMDDNNNN; absent when the register no longer has a valid number.')
  @IsOptional()
  @Matches(CIVIC_NUMBER_PATTERN)
  civicNo?: string;

  @IsIn(['personnummer', 'samordningsnummer', 'none'])
  kind!: 'personnummer' | 'samordningsnummer' | 'none';

  @IsTimestamp()
  changedAt!: string;
}
