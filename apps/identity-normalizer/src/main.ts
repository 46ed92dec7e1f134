// identity-normalizer: the metadirectory. register.* events in (durable JetStream consumers), one
// canonical identity per person per tenant in PostgreSQL, identity.* events out through the outbox;
// a clock-driven sweep moves identities through the lifecycle. PORT serves /health and /metrics.
import { connectJetStream, messagingOptionsFromEnv } from '@skolkonto/messaging';
import { runService, SERVICE_CONFIG, testClock } from '@skolkonto/platform';
import { AppModule } from './app.module';
import { IdentityNormalizerConfig } from './config';

async function main(): Promise<void> {
  const app = await runService({
    name: 'identity-normalizer',
    configClass: IdentityNormalizerConfig,
    // CLOCK_FILE (tests only; refused in production) lets an e2e test move "today" for the lifecycle.
    module: (config, tenants) => AppModule.forRoot(config, tenants, { clock: testClock(config.CLOCK_FILE) }),
  });
  const config = app.get<IdentityNormalizerConfig>(SERVICE_CONFIG);
  // Many handlers in flight feed the batcher, so one transaction carries many register events.
  connectJetStream(app, { ...messagingOptionsFromEnv('identity-normalizer'), concurrency: config.NORMALIZER_CONCURRENCY });
  await app.startAllMicroservices();
}

void main();
