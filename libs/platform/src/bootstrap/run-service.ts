import 'reflect-metadata';
import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigError, loadConfig } from '../config/load-config';
import { assertReachable, EndpointUnreachableError } from '../config/endpoint-check';
import type { ServiceConfig } from '../config/service-config';
import { createLogger, PinoNestLogger } from '../logging/logger';
import { ensureDefaultMetrics } from '../metrics/metrics.module';
import { loadTenants } from '../tenants/load-tenants';
import type { TenantConfig } from '../tenants/tenant-config';

export interface RunServiceOptions<C extends ServiceConfig> {
  /** The app's name as in apps/<name>; it labels logs and metrics. */
  name: string;
  configClass: new () => C;
  /** The root module, built from the validated config and tenants. */
  module: (config: C, tenants: TenantConfig[]) => DynamicModule | Type<unknown>;
  /** Endpoints that must answer before Nest starts; default: DATABASE_URL and NATS_URL. */
  requiredEndpoints?: (config: C) => Array<[key: string, url: string]>;
  /** Express settings and middleware that must be in place before the routes (e.g. security headers). */
  beforeListen?: (app: INestApplication, config: C) => void;
  env?: Record<string, string | undefined>;
}

/** Exit codes: 2 = invalid configuration, 3 = a required endpoint is unreachable, 1 = any other boot failure. */
export const EXIT_CONFIG = 2;
export const EXIT_UNREACHABLE = 3;

/**
 * Boots a service the same way everywhere: validate config and tenants, check the endpoints it
 * cannot work without, then start Nest with JSON logs, graceful shutdown, /health and /metrics.
 * A bad configuration stops the process with a message naming the key and a non-zero exit code.
 */
export async function runService<C extends ServiceConfig>(options: RunServiceOptions<C>): Promise<INestApplication> {
  const env = options.env ?? process.env;
  const logger = createLogger(options.name, env.LOG_LEVEL);
  let config: C;
  let tenants: TenantConfig[];
  try {
    config = loadConfig(options.configClass, env);
    tenants = loadTenants(config.TENANTS_FILE);
  } catch (error) {
    if (error instanceof ConfigError) {
      logger.fatal({ problems: error.problems, source: error.source }, error.message);
      process.stderr.write(`${options.name}: ${error.message}\n`);
      await flushAndExit(EXIT_CONFIG);
    }
    throw error;
  }
  try {
    const endpoints = options.requiredEndpoints?.(config) ?? [
      ['DATABASE_URL', config.DATABASE_URL],
      ['NATS_URL', config.NATS_URL],
    ];
    await Promise.all(endpoints.map(([key, url]) => assertReachable(key, url)));
  } catch (error) {
    if (error instanceof EndpointUnreachableError) {
      logger.fatal({ key: error.key, endpoint: error.endpoint }, error.message);
      process.stderr.write(`${options.name}: ${error.message}\n`);
      await flushAndExit(EXIT_UNREACHABLE);
    }
    throw error;
  }
  ensureDefaultMetrics(options.name);
  try {
    const app = await NestFactory.create(options.module(config, tenants), {
      logger: new PinoNestLogger(logger),
      abortOnError: false,
    });
    app.enableShutdownHooks();
    options.beforeListen?.(app, config);
    await app.listen(config.PORT, config.HOST);
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : config.PORT;
    logger.info({ port, tenants: tenants.map((tenant) => tenant.id) }, `${options.name} listening on http://${config.HOST}:${port}`);
    return app;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.fatal({ err: error }, `${options.name} failed to start: ${message}`);
    process.stderr.write(`${options.name}: failed to start: ${message}\n`);
    return flushAndExit(1);
  }
}

async function flushAndExit(code: number): Promise<never> {
  // pino writes synchronously to stdout; give the event loop one turn so piped output is flushed.
  await new Promise((resolve) => setImmediate(resolve));
  process.exit(code);
}
