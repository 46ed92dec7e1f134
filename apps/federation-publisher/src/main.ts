// federation-publisher: keeps every person's Skolfederation attributes (identity.* + directory.* →
// federation.<tenant>.attributes.*) and answers IdPs over HTTPS (Shibboleth-shaped GET, Entra custom
// claims provider). Two listeners: PORT for /health and /metrics, ATTRIBUTE_API_PORT (TLS) for IdPs.
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { connectJetStream, messagingOptionsFromEnv } from '@skolkonto/messaging';
import {
  assertReachable,
  ConfigError,
  createLogger,
  EndpointUnreachableError,
  EXIT_CONFIG,
  EXIT_UNREACHABLE,
  ensureDefaultMetrics,
  HealthRegistry,
  loadConfig,
  loadTenants,
  PinoNestLogger,
} from '@skolkonto/platform';
import { Pool } from 'pg';
import { AppModule } from './app.module';
import { FederationPublisherConfig } from './config';
import { AttributeApiModule } from './query-attributes/attribute-api.module';
import { AttributeReadModel } from './query-attributes/attribute-read-model';
import { loadReleaseSettings } from './release-settings/release-settings';

const NAME = 'federation-publisher';

async function main(): Promise<void> {
  const logger = createLogger(NAME, process.env.LOG_LEVEL);
  const fail = async (code: number, message: string, details: object): Promise<never> => {
    logger.fatal(details, message);
    process.stderr.write(`${NAME}: ${message}\n`);
    await new Promise((resolve) => setImmediate(resolve));
    process.exit(code);
  };

  let boot;
  try {
    const config = loadConfig(FederationPublisherConfig);
    const tenants = loadTenants(config.TENANTS_FILE);
    const settings = loadReleaseSettings(config.RELEASE_POLICIES_FILE, tenants, process.env, config.TENANTS_FILE);
    const tls =
      config.ATTRIBUTE_API_TLS_CERT_FILE && config.ATTRIBUTE_API_TLS_KEY_FILE
        ? { cert: readFileSync(config.ATTRIBUTE_API_TLS_CERT_FILE), key: readFileSync(config.ATTRIBUTE_API_TLS_KEY_FILE) }
        : undefined;
    boot = { config, tenants, settings, tls };
  } catch (error) {
    if (error instanceof ConfigError) return fail(EXIT_CONFIG, error.message, { problems: error.problems, source: error.source });
    const message = error instanceof Error ? error.message : String(error);
    return fail(EXIT_CONFIG, `cannot read configuration: ${message}`, {});
  }
  const { config, tenants, settings, tls } = boot;
  try {
    await Promise.all([assertReachable('DATABASE_URL', config.DATABASE_URL), assertReachable('NATS_URL', config.NATS_URL)]);
  } catch (error) {
    if (error instanceof EndpointUnreachableError) return fail(EXIT_UNREACHABLE, error.message, { key: error.key, endpoint: error.endpoint });
    throw error;
  }
  ensureDefaultMetrics(NAME);
  const nestLogger = new PinoNestLogger(logger);

  const app = await NestFactory.create(AppModule.forRoot(config, tenants, settings), { logger: nestLogger, abortOnError: false });
  app.enableShutdownHooks();
  connectJetStream(app, { ...messagingOptionsFromEnv(NAME), concurrency: config.FEDERATION_CONCURRENCY, servers: config.NATS_URL.split(','), namespace: config.NATS_NAMESPACE });
  await app.startAllMicroservices();
  await app.listen(config.PORT, config.HOST);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;

  let api: INestApplication | undefined;
  const pool = new Pool({ connectionString: config.DATABASE_URL, max: config.ATTRIBUTE_API_DB_POOL });
  // An idle pooled connection that PostgreSQL ends (restart, failover) must not crash the process:
  // the pool drops it and opens a new one on the next query.
  pool.on('error', (error) => logger.warn({ error: error.message }, 'attribute API lost an idle database connection'));
  const people = new AttributeReadModel(pool);
  if (tls) {
    // The API answers from memory: load every released person (and start following changes) first.
    await people.start();
    logger.info({ people: people.size }, 'attribute read model loaded');
    app.get(HealthRegistry).register('attribute-read-model', async () => {
      if (!people.isCurrent()) throw new Error('change feed lost; reloading (the attribute API answers 503 meanwhile)');
    });
    api = await NestFactory.create(AttributeApiModule.register({ people, settings }), { logger: nestLogger, httpsOptions: tls, abortOnError: false });
    await api.listen(config.ATTRIBUTE_API_PORT, config.HOST);
    logger.info({ port: config.ATTRIBUTE_API_PORT }, `attribute API listening on https://${config.HOST}:${config.ATTRIBUTE_API_PORT}`);
  } else {
    logger.warn('attribute API is off: set ATTRIBUTE_API_TLS_CERT_FILE and ATTRIBUTE_API_TLS_KEY_FILE to serve it (required in production)');
  }
  logger.info({ port, tenants: [...settings.tenants.keys()] }, `${NAME} listening on http://${config.HOST}:${port}`);

  const close = async () => {
    await api?.close();
    await people.stop();
    await pool.end();
  };
  process.once('SIGTERM', () => void close());
  process.once('SIGINT', () => void close());
}

void main();
