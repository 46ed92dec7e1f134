// ops-console: the operators' page. Reads every stream through ephemeral consumers, records plans
// and a per-person timeline in its own tables, and serves the API and the web UI.
import { runService } from '@skolkonto/platform';
import { AppModule } from './app.module';
import { ConsoleConfig } from './config';

void runService({
  name: 'ops-console',
  configClass: ConsoleConfig,
  module: (config, tenants) => AppModule.forRoot(config, tenants),
});
