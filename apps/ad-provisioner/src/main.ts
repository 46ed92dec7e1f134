// ad-provisioner: keeps each tenant's OU in Active Directory in step with identity.* events —
// accounts, never-reused names, groups, plans held over thresholds, drift reconciliation — and
// publishes directory.* and ops.plan.held through its outbox.
import { connectJetStream, messagingOptionsFromEnv } from '@skolkonto/messaging';
import { runService } from '@skolkonto/platform';
import { AppModule } from './app.module';
import { ProvisionerConfig } from './config';

async function main(): Promise<void> {
  const app = await runService({
    name: 'ad-provisioner',
    configClass: ProvisionerConfig,
    module: (config, tenants) => AppModule.forRoot(config, tenants),
  });
  connectJetStream(app, messagingOptionsFromEnv('ad-provisioner'));
  await app.startAllMicroservices();
}

void main();
