// register-ingest: pulls each tenant's SS 12000 register (delta, nightly full reconciliation, webhook
// hints) and publishes register.<tenant>.<entity>.<upserted|deleted> through its outbox.
import { runService } from '@skolkonto/platform';
import { AppModule } from './app.module';
import { IngestConfig } from './config';

void runService({
  name: 'register-ingest',
  configClass: IngestConfig,
  module: (config, tenants) => AppModule.forRoot(config, tenants),
});
