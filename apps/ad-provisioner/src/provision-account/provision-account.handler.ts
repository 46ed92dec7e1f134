// identity.<tenant>.person.{changed,deactivated,reactivated} → ProvisionAccountService through the
// IdentityEventBatcher. Decodes the event and picks the tenant's layout; nothing else. The subject's
// tenant, the envelope's and the data's must agree, and only configured tenants are served. The
// promise settles when the event's batch is committed (ack) or failed (nak / dead letter).
import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { CloudEvent, PersonChangedV1, PersonDeactivatedV1, PersonIdentityV1, PersonReactivatedV1 } from '@skolkonto/contracts';
import { PermanentError } from '@skolkonto/messaging';
import { TenantLayouts } from '../directory-layout/tenant-layouts';
import { IdentityEventBatcher } from './identity-event-batcher';

@Controller()
export class ProvisionAccountHandler {
  constructor(
    private readonly batcher: IdentityEventBatcher,
    private readonly layouts: TenantLayouts,
  ) {}

  @EventPattern('identity.*.person.changed', { durable: 'ad-provisioner-provision-account-changed' })
  async personChanged(@Payload() event: CloudEvent<PersonChangedV1>): Promise<void> {
    await this.apply(event);
  }

  @EventPattern('identity.*.person.deactivated', { durable: 'ad-provisioner-provision-account-deactivated' })
  async personDeactivated(@Payload() event: CloudEvent<PersonDeactivatedV1>): Promise<void> {
    await this.apply(event, `deactivated: ${event.data.reason}`);
  }

  @EventPattern('identity.*.person.reactivated', { durable: 'ad-provisioner-provision-account-reactivated' })
  async personReactivated(@Payload() event: CloudEvent<PersonReactivatedV1>): Promise<void> {
    await this.apply(event, `reactivated: ${event.data.reason}`);
  }

  private async apply(event: CloudEvent<PersonIdentityV1>, reason?: string): Promise<void> {
    if (event.tenant !== event.data.tenant) {
      throw new PermanentError('TENANT_MISMATCH', 'the envelope and the identity name different tenants');
    }
    const layout = this.layouts.find(event.data.tenant);
    if (!layout) throw new PermanentError('UNKNOWN_TENANT', `tenant ${event.data.tenant} is not configured here`);
    await this.batcher.submit(layout, { identity: event.data, reason, eventId: event.id });
  }
}
