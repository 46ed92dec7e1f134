import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type {
  AccountDeletedV1,
  AccountDisabledV1,
  AccountMovedV1,
  AccountProvisionedV1,
  AccountUpdatedV1,
  CloudEvent,
  PersonChangedV1,
  PersonDeactivatedV1,
  PersonReactivatedV1,
} from '@skolkonto/contracts';
import { LearnAccountsService } from './learn-accounts.service';

/**
 * directory.*.account.* and identity.*.person.* → the accounts claim-portal can issue codes for. One
 * durable consumer per subject (one filter subject per consumer on NATS 2.9); the transport keeps
 * per-identity order, the service drops older versions.
 */
@Controller()
export class LearnAccountsHandler {
  constructor(private readonly accounts: LearnAccountsService) {}

  @EventPattern('directory.*.account.provisioned', { durable: 'claim-portal-learn-accounts-provisioned' })
  async provisioned(@Payload() event: CloudEvent<AccountProvisionedV1>) {
    await this.accounts.applyAccount(event.data, 'present');
  }

  @EventPattern('directory.*.account.updated', { durable: 'claim-portal-learn-accounts-updated' })
  async updated(@Payload() event: CloudEvent<AccountUpdatedV1>) {
    await this.accounts.applyAccount(event.data, 'present');
  }

  @EventPattern('directory.*.account.moved', { durable: 'claim-portal-learn-accounts-moved' })
  async moved(@Payload() event: CloudEvent<AccountMovedV1>) {
    await this.accounts.applyAccount(event.data, 'present');
  }

  @EventPattern('directory.*.account.disabled', { durable: 'claim-portal-learn-accounts-disabled' })
  async disabled(@Payload() event: CloudEvent<AccountDisabledV1>) {
    await this.accounts.applyAccount(event.data, 'disabled');
  }

  @EventPattern('directory.*.account.deleted', { durable: 'claim-portal-learn-accounts-deleted' })
  async deleted(@Payload() event: CloudEvent<AccountDeletedV1>) {
    await this.accounts.applyAccount(event.data, 'deleted');
  }

  @EventPattern('identity.*.person.changed', { durable: 'claim-portal-learn-accounts-person-changed' })
  async personChanged(@Payload() event: CloudEvent<PersonChangedV1>) {
    await this.accounts.applyIdentity(event.data);
  }

  @EventPattern('identity.*.person.deactivated', {
    durable: 'claim-portal-learn-accounts-person-deactivated',
  })
  async personDeactivated(@Payload() event: CloudEvent<PersonDeactivatedV1>) {
    await this.accounts.applyIdentity(event.data);
  }

  @EventPattern('identity.*.person.reactivated', {
    durable: 'claim-portal-learn-accounts-person-reactivated',
  })
  async personReactivated(@Payload() event: CloudEvent<PersonReactivatedV1>) {
    await this.accounts.applyIdentity(event.data);
  }
}
