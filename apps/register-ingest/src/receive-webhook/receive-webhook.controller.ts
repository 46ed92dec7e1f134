// A register's webhook names no ids, only that something changed: it is a hint to pull now. The call
// is authenticated with the tenant's shared secret and answered at once; bursts coalesce into one pull.
import { Body, Controller, Headers, HttpCode, Logger, Param, Post, Query, UnauthorizedException } from '@nestjs/common';
import { parseWebhookNotification } from '@skolkonto/ss12000';
import { ENTITY_TYPES } from '../register-source/register-source';
import type { SyncScope } from '../schedule-sync/sync-coordinator';
import { IngestMetrics } from '../sync-state/ingest-metrics';
import { SyncSchedulerService } from '../schedule-sync/sync-scheduler.service';
import { WebhookSecrets } from './webhook-secrets';
import { presentedSecret, secretsMatch } from './secrets-match';

@Controller('webhooks')
export class ReceiveWebhookController {
  private readonly logger = new Logger(ReceiveWebhookController.name);

  constructor(
    private readonly secrets: WebhookSecrets,
    private readonly scheduler: SyncSchedulerService,
    private readonly metrics: IngestMetrics,
  ) {}

  @Post(':tenant')
  @HttpCode(202)
  receive(
    @Param('tenant') tenant: string,
    @Headers() headers: Record<string, string | string[] | undefined>,
    @Query() query: Record<string, unknown>,
    @Body() body: unknown,
  ): { accepted: true } {
    // Unknown tenants get the same 401 as a wrong secret: the endpoint does not reveal tenant ids.
    if (!secretsMatch(presentedSecret(headers, query), this.secrets.forTenant(tenant))) {
      this.metrics.webhooks.inc({ tenant: this.secrets.isKnown(tenant) ? tenant : 'unknown', result: 'unauthorized' });
      throw new UnauthorizedException('webhook secret missing or wrong');
    }
    this.metrics.webhooks.inc({ tenant, result: 'accepted' });
    this.scheduler.requestDelta(tenant, 'webhook', toScope(body)).catch((error: unknown) => {
      this.logger.warn(`webhook-triggered pull of ${tenant} failed: ${(error as Error).message}`);
    });
    return { accepted: true };
  }
}

/**
 * What a webhook says changed (`modifiedEntites` / `modifiedEntities`, `deletedEntities`). A body that
 * names nothing we know means "something changed": pull everything.
 */
export function toScope(body: unknown): SyncScope | undefined {
  const notification = parseWebhookNotification(body);
  const entityTypes = ENTITY_TYPES.filter((entityType) => notification.modified.includes(entityType));
  if (entityTypes.length === 0 && !notification.deletedEntities) return undefined;
  return { entityTypes, deletions: notification.deletedEntities };
}
