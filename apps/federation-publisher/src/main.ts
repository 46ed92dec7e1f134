// federation-publisher: keeps every person's Skolfederation attributes (identity.* + directory.* →
// federation.<tenant>.attributes.*) and answers IdPs over HTTPS (Shibboleth-shaped GET, Entra custom
// claims provider). Two listeners: PORT for /health and /metrics, ATTRIBUTE_API_PORT (TLS) for IdPs.
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { JetStreamExceptionFilter, JetStreamServer, messagingOptionsFromEnv } from '@skolkonto/messaging';
import { ConfigError, createLogger, loadConfig, loadTenants, PinoNestLogger } from '@skolkonto/platform';
import { Pool } from 'pg';
import { AppModule } from './app.module';
import { FederationPublisherConfig } from './config';
import { AttributeApiModule } from './query-attributes/attribute-api.module';
import { loadReleaseSettings } from './release-settings/release-settings';

const EXIT_CONFIG = 2;

async function main(): Promise<void> {
  const logger = createLogger('federation-publisher', process.env.LOG_LEVEL);
  let boot;
  try {
    const config = loadConfig(FederationPublisherConfig);
    const tenants = loadTenants(config.TENANTS_FILE);
    const settings = loadReleaseSettings(config.RELEASE_POLICIES_FILE, tenants);
    const tls = { cert: readFileSync(config.ATTRIBUTE_API_TLS_CERT_FILE), key: readFileSync(config.ATTRIBUTE_API_TLS_KEY_FILE) };
    boot = { config, tenants, settings, tls };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.fatal({ problems: error instanceof ConfigError ? error.problems : undefined }, message);
    process.stderr.write(`federation-publisher: ${message}\n`);
    process.exit(EXIT_CONFIG);
  }
  const { config, tenants, settings, tls } = boot;
  const nestLogger = new PinoNestLogger(logger);

  const app = await NestFactory.create(AppModule.forRoot(config, tenants, settings), { logger: nestLogger });
  app.enableShutdownHooks();
  const consumers = app.connectMicroservice(
    {
      strategy: new JetStreamServer({
        ...messagingOptionsFromEnv('federation-publisher'),
        servers: config.NATS_URL.split(','),
        namespace: config.NATS_NAMESPACE,
      }),
    },
    { inheritAppConfig: true },
  );
  consumers.useGlobalFilters(new JetStreamExceptionFilter());
  await app.startAllMicroservices();
  await app.listen(config.PORT, config.HOST);

  const pool = new Pool({ connectionString: config.DATABASE_URL, max: config.ATTRIBUTE_API_DB_POOL });
  const api = await NestFactory.create(AttributeApiModule.register({ pool, settings }), { logger: nestLogger, httpsOptions: tls });
  api.enableShutdownHooks();
  await api.listen(config.ATTRIBUTE_API_PORT, config.HOST);
  logger.info(
    { port: config.PORT, attributeApiPort: config.ATTRIBUTE_API_PORT, tenants: [...settings.tenants.keys()] },
    'federation-publisher listening',
  );
  const close = async () => {
    await api.close();
    await pool.end();
  };
  process.once('SIGTERM', () => void close());
  process.once('SIGINT', () => void close());
}

void main();
