import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type {
  AccountDeletedV1,
  AccountDisabledV1,
  AccountMovedV1,
  AccountProvisionedV1,
  AccountUpdatedV1,
  CivicNumberChangedV1,
  CloudEvent,
  PersonChangedV1,
  PersonDeactivatedV1,
  PersonReactivatedV1,
} from '@skolkonto/contracts';
import { EventBatcher, PermanentError } from '@skolkonto/messaging';
import { RecordAccountService, type AccountSnapshot } from '../record-account/record-account.service';
import { RecordCivicNumberService, type CivicNumberOutcome, type CivicNumberSnapshot } from '../record-account/record-civic-number.service';
import type { IdentitySnapshot } from './identity-snapshot';
import { PublishAttributesService, UnknownTenantError, type PublishOutcome } from './publish-attributes.service';

/**
 * identity.*, directory.* and sensitive.* → the publisher's view of each person. One durable consumer
 * per subject (NATS 2.9 has one filter subject per consumer); the services decide, this only decodes.
 */
@Controller()
export class PublishAttributesHandler {
  // Events handled side by side share a transaction: a first load brings thousands at once.
  private readonly identities: EventBatcher<IdentitySnapshot, PublishOutcome>;
  private readonly accountEvents: EventBatcher<{ account: AccountSnapshot; kind: 'present' | 'deleted' }, 'recorded' | 'stale'>;
  private readonly civicNumbers: EventBatcher<CivicNumberSnapshot, CivicNumberOutcome>;

  constructor(publish: PublishAttributesService, accounts: RecordAccountService, civicNumbers: RecordCivicNumberService) {
    this.identities = new EventBatcher((batch) => publish.applyIdentities(batch));
    this.accountEvents = new EventBatcher((batch) => accounts.applyAccounts(batch));
    this.civicNumbers = new EventBatcher((batch) => civicNumbers.applyCivicNumbers(batch));
  }

  @EventPattern('identity.*.person.changed', { durable: 'federation-publisher-publish-attributes-changed' })
  async personChanged(@Payload() event: CloudEvent<PersonChangedV1>) {
    await this.applyIdentity(event.data);
  }

  @EventPattern('identity.*.person.deactivated', { durable: 'federation-publisher-publish-attributes-deactivated' })
  async personDeactivated(@Payload() event: CloudEvent<PersonDeactivatedV1>) {
    await this.applyIdentity(event.data);
  }

  @EventPattern('identity.*.person.reactivated', { durable: 'federation-publisher-publish-attributes-reactivated' })
  async personReactivated(@Payload() event: CloudEvent<PersonReactivatedV1>) {
    await this.applyIdentity(event.data);
  }

  @EventPattern('directory.*.account.provisioned', { durable: 'federation-publisher-record-account-provisioned' })
  async accountProvisioned(@Payload() event: CloudEvent<AccountProvisionedV1>) {
    await this.accountEvents.submit({ account: event.data, kind: 'present' });
  }

  @EventPattern('directory.*.account.updated', { durable: 'federation-publisher-record-account-updated' })
  async accountUpdated(@Payload() event: CloudEvent<AccountUpdatedV1>) {
    await this.accountEvents.submit({ account: event.data, kind: 'present' });
  }

  @EventPattern('directory.*.account.moved', { durable: 'federation-publisher-record-account-moved' })
  async accountMoved(@Payload() event: CloudEvent<AccountMovedV1>) {
    await this.accountEvents.submit({ account: event.data, kind: 'present' });
  }

  @EventPattern('directory.*.account.disabled', { durable: 'federation-publisher-record-account-disabled' })
  async accountDisabled(@Payload() event: CloudEvent<AccountDisabledV1>) {
    // A disabled account keeps resolving: the identity's status decides what is released.
    await this.accountEvents.submit({ account: event.data, kind: 'present' });
  }

  @EventPattern('directory.*.account.deleted', { durable: 'federation-publisher-record-account-deleted' })
  async accountDeleted(@Payload() event: CloudEvent<AccountDeletedV1>) {
    await this.accountEvents.submit({ account: event.data, kind: 'deleted' });
  }

  @EventPattern('sensitive.*.civicno.changed', { durable: 'federation-publisher-record-civic-number' })
  async civicNumberChanged(@Payload() event: CloudEvent<CivicNumberChangedV1>) {
    await this.civicNumbers.submit(event.data);
  }

  private async applyIdentity(identity: PersonChangedV1 | PersonDeactivatedV1 | PersonReactivatedV1): Promise<void> {
    try {
      await this.identities.submit(identity);
    } catch (error) {
      // A tenant without release settings is a configuration fault: retrying cannot fix it.
      if (error instanceof UnknownTenantError) throw new PermanentError('UNKNOWN_TENANT', error.message, { cause: error });
      throw error;
    }
  }
}
