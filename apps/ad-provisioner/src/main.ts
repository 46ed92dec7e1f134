// ad-provisioner: keeps each tenant's OU in Active Directory in step with identity.* events —
// accounts, never-reused names, groups, plans held over thresholds, drift reconciliation — and
// publishes directory.* and ops.plan.held through its outbox.
import { connectJetStream, messagingOptionsFromEnv, resolveMessagingOptions } from '@skolkonto/messaging';
import { runService, SERVICE_CONFIG, TENANTS, type TenantConfig } from '@skolkonto/platform';
import { AppModule } from './app.module';
import { ProvisionerConfig, consumerConcurrency } from './config';

async function main(): Promise<void> {
  const app = await runService({
    name: 'ad-provisioner',
    configClass: ProvisionerConfig,
    module: (config, tenants) => AppModule.forRoot(config, tenants),
  });
  const config = app.get<ProvisionerConfig>(SERVICE_CONFIG);
  // Many handlers in flight feed the batcher, so one batch carries many identity events; the
  // server must let that many messages be unacknowledged at once.
  const concurrency = consumerConcurrency(config, app.get<TenantConfig[]>(TENANTS).length);
  const messaging = messagingOptionsFromEnv('ad-provisioner');
  connectJetStream(app, { ...messaging, concurrency, maxAckPending: Math.max(resolveMessagingOptions(messaging).maxAckPending, concurrency) });
  await app.startAllMicroservices();
}

void main();
