// federation.<tenant>.attributes.{published,revoked} → FederationAttributeWriter: the values IdPs
// read from AD. The subject's tenant, the envelope's and the data's must agree, and only configured
// tenants are served; a mapping AD refuses goes to the dead letters (fix the mapping, then replay).
import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { AttributesPublishedV1, AttributesRevokedV1, CloudEvent } from '@skolkonto/contracts';
import { EventBatcher, PermanentError } from '@skolkonto/messaging';
import { TenantLayouts } from '../directory-layout/tenant-layouts';
import { DirectoryMappingError, FederationAttributeWriter, type AttributeWrite, type WriteOutcome } from './federation-attribute-writer';

@Controller()
export class WriteFederationAttributesHandler {
  // A first load publishes one set per person, nearly all before their accounts exist: events handled
  // side by side are stored in one statement instead of one transaction each.
  private readonly writes: EventBatcher<AttributeWrite, WriteOutcome>;

  constructor(
    writer: FederationAttributeWriter,
    private readonly layouts: TenantLayouts,
  ) {
    this.writes = new EventBatcher((batch) => writer.applyMany(batch));
  }

  @EventPattern('federation.*.attributes.published', { durable: 'ad-provisioner-write-federation-attributes-published' })
  async published(@Payload() event: CloudEvent<AttributesPublishedV1>): Promise<void> {
    await this.write(event, event.data.attributes);
  }

  @EventPattern('federation.*.attributes.revoked', { durable: 'ad-provisioner-write-federation-attributes-revoked' })
  async revoked(@Payload() event: CloudEvent<AttributesRevokedV1>): Promise<void> {
    await this.write(event, null);
  }

  private async write(event: CloudEvent<AttributesPublishedV1 | AttributesRevokedV1>, attributes: AttributesPublishedV1['attributes'] | null): Promise<void> {
    if (event.tenant !== event.data.tenant) {
      throw new PermanentError('TENANT_MISMATCH', 'the envelope and the attributes name different tenants');
    }
    const layout = this.layouts.find(event.data.tenant);
    if (!layout) throw new PermanentError('UNKNOWN_TENANT', `tenant ${event.data.tenant} is not configured here`);
    try {
      await this.writes.submit({ layout, identityId: event.data.identityId, identityVersion: event.data.identityVersion, attributes });
    } catch (error) {
      if (error instanceof DirectoryMappingError) throw new PermanentError('DIRECTORY_MAPPING_REFUSED', error.message);
      throw error;
    }
  }
}
