// identity-normalizer: the metadirectory. register.* events in (durable JetStream consumers), one
// canonical identity per person per tenant in PostgreSQL, identity.* events out through the outbox;
// a clock-driven sweep moves identities through the lifecycle. PORT serves /health and /metrics.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { connectJetStream, messagingOptionsFromEnv } from '@skolkonto/messaging';
import { ConfigError, createLogger, loadConfig, loadTenants, PinoNestLogger } from '@skolkonto/platform';
import { AppModule } from './app.module';
import { IdentityNormalizerConfig } from './config';

const EXIT_CONFIG = 2;

async function main(): Promise<void> {
  const logger = createLogger('identity-normalizer', process.env.LOG_LEVEL);
  let boot;
  try {
    const config = loadConfig(IdentityNormalizerConfig);
    boot = { config, tenants: loadTenants(config.TENANTS_FILE) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.fatal({ problems: error instanceof ConfigError ? error.problems : undefined }, message);
    process.stderr.write(`identity-normalizer: ${message}\n`);
    process.exit(EXIT_CONFIG);
  }
  const { config, tenants } = boot;
  const app = await NestFactory.create(AppModule.forRoot(config, tenants), { logger: new PinoNestLogger(logger) });
  app.enableShutdownHooks();
  // The exception filter must be in place before the listeners start (connectJetStream defers them).
  connectJetStream(app, {
    ...messagingOptionsFromEnv('identity-normalizer'),
    concurrency: config.NORMALIZER_CONCURRENCY,
    servers: config.NATS_URL.split(','),
    namespace: config.NATS_NAMESPACE,
  });
  await app.startAllMicroservices();
  await app.listen(config.PORT, config.HOST);
  logger.info({ port: config.PORT, tenants: tenants.map((t) => t.id) }, 'identity-normalizer listening');
}

void main();
