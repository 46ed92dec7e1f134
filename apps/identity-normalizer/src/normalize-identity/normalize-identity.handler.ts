import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { CloudEvent } from '@skolkonto/contracts';
import type { RegisterEntity, RegisterEvent } from './register-event';
import { RegisterEventBatcher } from './register-event-batcher';

/**
 * register.<tenant>.<entity>.<upserted|deleted> → the metadirectory. One durable consumer per
 * subject (NATS 2.9: one filter subject each); decodes and hands the event to the batcher.
 */
interface RegisterEventData {
  tenant: string;
  registerId?: string;
  observedAt: string;
  contentHash?: string;
  record?: Record<string, unknown>;
  id?: string;
}

export const REGISTER_SUBJECTS = (['person', 'organisation', 'group', 'duty'] as const).flatMap((entity) =>
  (['upserted', 'deleted'] as const).map((verb) => ({ entity, verb, pattern: `register.*.${entity}.${verb}`, durable: `identity-normalizer-normalize-${entity}-${verb}` })),
);

@Controller()
export class NormalizeIdentityHandler {
  constructor(private readonly batcher: RegisterEventBatcher) {}

  @EventPattern('register.*.person.upserted', { durable: 'identity-normalizer-normalize-person-upserted' })
  async personUpserted(@Payload() event: CloudEvent<RegisterEventData>): Promise<void> {
    await this.submit(event, 'person', 'upserted');
  }

  @EventPattern('register.*.person.deleted', { durable: 'identity-normalizer-normalize-person-deleted' })
  async personDeleted(@Payload() event: CloudEvent<RegisterEventData>): Promise<void> {
    await this.submit(event, 'person', 'deleted');
  }

  @EventPattern('register.*.organisation.upserted', { durable: 'identity-normalizer-normalize-organisation-upserted' })
  async organisationUpserted(@Payload() event: CloudEvent<RegisterEventData>): Promise<void> {
    await this.submit(event, 'organisation', 'upserted');
  }

  @EventPattern('register.*.organisation.deleted', { durable: 'identity-normalizer-normalize-organisation-deleted' })
  async organisationDeleted(@Payload() event: CloudEvent<RegisterEventData>): Promise<void> {
    await this.submit(event, 'organisation', 'deleted');
  }

  @EventPattern('register.*.group.upserted', { durable: 'identity-normalizer-normalize-group-upserted' })
  async groupUpserted(@Payload() event: CloudEvent<RegisterEventData>): Promise<void> {
    await this.submit(event, 'group', 'upserted');
  }

  @EventPattern('register.*.group.deleted', { durable: 'identity-normalizer-normalize-group-deleted' })
  async groupDeleted(@Payload() event: CloudEvent<RegisterEventData>): Promise<void> {
    await this.submit(event, 'group', 'deleted');
  }

  @EventPattern('register.*.duty.upserted', { durable: 'identity-normalizer-normalize-duty-upserted' })
  async dutyUpserted(@Payload() event: CloudEvent<RegisterEventData>): Promise<void> {
    await this.submit(event, 'duty', 'upserted');
  }

  @EventPattern('register.*.duty.deleted', { durable: 'identity-normalizer-normalize-duty-deleted' })
  async dutyDeleted(@Payload() event: CloudEvent<RegisterEventData>): Promise<void> {
    await this.submit(event, 'duty', 'deleted');
  }

  private submit(event: CloudEvent<RegisterEventData>, entity: RegisterEntity, verb: RegisterEvent['verb']): Promise<void> {
    const { data } = event;
    return this.batcher.submit({
      eventId: event.id,
      tenant: data.tenant ?? event.tenant,
      ...(data.registerId ? { registerId: data.registerId } : {}),
      entity,
      verb,
      observedAt: data.observedAt,
      ...(data.contentHash ? { contentHash: data.contentHash } : {}),
      ...(verb === 'upserted' ? { record: data.record } : { id: data.id }),
    });
  }
}
