// register-ingest: pulls each tenant's SS 12000 register (delta, nightly full reconciliation, webhook
// hints) and publishes register.<tenant>.<entity>.<upserted|deleted> through its outbox. It also
// consumes ops.*.plan.approved to execute the deletion plans it held.
import { connectJetStream, messagingOptionsFromEnv } from '@skolkonto/messaging';
import { runService } from '@skolkonto/platform';
import { AppModule } from './app.module';
import { IngestConfig } from './config';

async function main(): Promise<void> {
  const app = await runService({
    name: 'register-ingest',
    configClass: IngestConfig,
    module: (config, tenants) => AppModule.forRoot(config, tenants),
  });
  connectJetStream(app, messagingOptionsFromEnv('register-ingest'));
  await app.startAllMicroservices();
}

void main();
