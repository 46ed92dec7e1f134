// The events claim-portal writes to its outbox (claim_outbox), in the same transaction as the change:
// ops.<t>.claimcode.issued (never the code or its hash) and directory.<t>.account.claimed.
import {
  appSource,
  createCloudEvent,
  EVENTS,
  type EventDefinition,
  validateEventData,
} from '@skolkonto/contracts';
import { enqueueEvent, type OutboxEntry, type RawExecutor } from '@skolkonto/persistence';

const SOURCE = appSource('claim-portal');

function entry<T extends object>(
  definition: EventDefinition<T>,
  tenant: string,
  data: T,
  time: Date,
): OutboxEntry {
  // Validate where the cause is known: an invalid row would otherwise stop the relay later.
  const reasons = validateEventData(definition as unknown as EventDefinition, data);
  if (reasons.length > 0)
    throw new Error(`${definition.type} would break its contract: ${reasons.join('; ')}`);
  const event = createCloudEvent({
    type: definition.type,
    source: SOURCE,
    subject: definition.subjectOf(data),
    tenant,
    data,
    time,
  });
  return { event, subject: definition.subject(tenant) };
}

export async function enqueue(tx: RawExecutor, outboxEntry: OutboxEntry): Promise<void> {
  await enqueueEvent(tx, 'claim_outbox', outboxEntry);
}

export function claimCodeIssued(
  input: {
    claimCodeId: string;
    tenant: string;
    identityId: string;
    sAMAccountName: string;
    issuedBy: string;
    scope: 'person' | 'class' | 'school';
    replacedPrevious: boolean;
    expiresAt: Date;
  },
  time: Date,
): OutboxEntry {
  return entry(
    EVENTS.opsClaimcodeIssued,
    input.tenant,
    { ...input, issuedAt: time.toISOString(), expiresAt: input.expiresAt.toISOString() },
    time,
  );
}

export function accountClaimed(
  input: {
    identityId: string;
    tenant: string;
    accountId: string;
    sAMAccountName: string;
    claimCodeId: string;
  },
  time: Date,
): OutboxEntry {
  return entry(
    EVENTS.directoryAccountClaimed,
    input.tenant,
    { ...input, claimedAt: time.toISOString() },
    time,
  );
}
