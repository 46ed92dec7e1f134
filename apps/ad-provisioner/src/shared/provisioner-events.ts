// directory.* and ops.plan.held events of this app, built and validated in one place and written to
// the outbox in the caller's transaction.
import { EVENTS, appSource, createCloudEvent, validateEventData, type EventDefinition } from '@skolkonto/contracts';
import { enqueueEvent, enqueueEvents, type RawExecutor } from '@skolkonto/persistence';

export const APP_NAME = 'ad-provisioner';

export async function enqueueProvisionerEvent<T extends object>(
  tx: RawExecutor,
  definition: EventDefinition<T>,
  tenant: string,
  data: T,
): Promise<void> {
  const reasons = validateEventData(definition as unknown as EventDefinition, data);
  if (reasons.length > 0) throw new Error(`${definition.name} would be invalid: ${reasons.join('; ')}`);
  const event = createCloudEvent({
    type: definition.type,
    source: appSource(APP_NAME),
    subject: definition.subjectOf(data),
    tenant,
    data,
  });
  await enqueueEvent(tx, 'provisioner_outbox', { event, subject: definition.subject(tenant) });
}

export { EVENTS };

/** Many events of one type in one multi-row insert (and one notify), in the caller's transaction. */
export async function enqueueProvisionerEvents<T extends object>(
  tx: RawExecutor,
  definition: EventDefinition<T>,
  tenant: string,
  items: ReadonlyArray<T>,
): Promise<void> {
  if (items.length === 0) return;
  const subject = definition.subject(tenant);
  const events = items.map((data) => {
    const reasons = validateEventData(definition as unknown as EventDefinition, data);
    if (reasons.length > 0) throw new Error(`${definition.name} would be invalid: ${reasons.join('; ')}`);
    return createCloudEvent({ type: definition.type, source: appSource(APP_NAME), subject: definition.subjectOf(data), tenant, data });
  });
  await enqueueEvents(tx, 'provisioner_outbox', events.map((event) => ({ event, subject })));
}
