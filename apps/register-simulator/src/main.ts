// register-simulator: an SS 12000 v2.1 server with one synthetic, persistent register per tenant,
// for demos, tests and benchmarks of the ingest. Not part of a production deployment.
import { runService } from '@skolkonto/platform';
import { AppModule } from './app.module';
import { SimulatorConfig, withAdminTokenAlias } from './config';

void runService({
  name: 'register-simulator',
  configClass: SimulatorConfig,
  module: (config, tenants) => AppModule.forRoot(config, tenants),
  requiredEndpoints: (config) => [['DATABASE_URL', config.DATABASE_URL]],
  env: withAdminTokenAlias(process.env),
});
