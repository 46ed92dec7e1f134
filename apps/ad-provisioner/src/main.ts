// ad-provisioner: keeps each tenant's OU in Active Directory in step with identity.* events —
// accounts, never-reused names, groups, plans held over thresholds, drift reconciliation — and
// publishes directory.* and ops.plan.held through its outbox.
import { connectJetStream, messagingOptionsFromEnv } from '@skolkonto/messaging';
import { runService, SERVICE_CONFIG } from '@skolkonto/platform';
import { AppModule } from './app.module';
import { ProvisionerConfig } from './config';

async function main(): Promise<void> {
  const app = await runService({
    name: 'ad-provisioner',
    configClass: ProvisionerConfig,
    module: (config, tenants) => AppModule.forRoot(config, tenants),
  });
  const config = app.get<ProvisionerConfig>(SERVICE_CONFIG);
  // Many handlers in flight feed the batcher, so one batch carries many identity events.
  connectJetStream(app, { ...messagingOptionsFromEnv('ad-provisioner'), concurrency: config.PROVISIONER_CONSUMER_CONCURRENCY });
  await app.startAllMicroservices();
}

void main();
