// Boots the real register-ingest app (Nest, HTTP on a free port) against a fresh database, the
// real NATS (own namespace) and a register base URL; the schedule is off so tests drive the runs.
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig, parseTenants, type TenantConfig } from '@skolkonto/platform';
import { createPrismaClient, OutboxPublishing, PrismaClient } from '@skolkonto/persistence';
import { createTestDatabase, type TestDatabase } from '@skolkonto/testing';
import { connectJetStream, createTestMessaging, type TestMessaging } from '@skolkonto/messaging';
import { AppModule } from '../../src/app.module';
import { IngestConfig } from '../../src/config';
import { SyncSchedulerService } from '../../src/schedule-sync/sync-scheduler.service';

export interface IngestTenant {
  id: string;
  municipalityCode: string;
  baseUrl: string;
  webhookSecret: string;
  registerToken?: string;
  minFullReadShare?: number;
}

export interface IngestHarness {
  app: INestApplication;
  url: string;
  prisma: PrismaClient;
  db: TestDatabase;
  messaging: TestMessaging;
  scheduler: SyncSchedulerService;
  adminToken: string;
  /** Every event in a stream of this test's namespace (REGISTER, OPS), as parsed CloudEvents with subjects. */
  events(stream: 'REGISTER' | 'OPS'): Promise<{ subject: string; type: string; subjectId: string; data: any }[]>;
  /** Waits until the outbox is empty (everything written has been published). */
  flushed(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startIngest(
  tenants: IngestTenant[],
  options: { env?: Record<string, string>; label?: string } = {},
): Promise<IngestHarness> {
  const db = await createTestDatabase({ prefix: 'ingest' });
  const messaging = await createTestMessaging(options.label ?? 'ingest');
  const adminToken = 'operator-token-for-tests-0123456789';
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    PORT: '0',
    DATABASE_URL: db.url,
    NATS_URL: String(messaging.options.servers),
    NATS_NAMESPACE: messaging.namespace,
    INGEST_API_TOKEN: adminToken,
    INGEST_SCHEDULE_ENABLED: 'false',
    INGEST_FULL_READ_RETRY_SECONDS: '0',
    INGEST_OVERLAP_SECONDS: '1',
    ...options.env,
  };
  for (const tenant of tenants) {
    env[`REGISTER_TOKEN_${tenant.id.toUpperCase()}`] = tenant.registerToken ?? 'unused';
    env[`WEBHOOK_SECRET_${tenant.id.toUpperCase()}`] = tenant.webhookSecret;
  }
  const yaml = `tenants:\n${tenants
    .map(
      (t) => `  - id: ${t.id}
    name: ${t.id}
    municipalityCode: "${t.municipalityCode}"
    register:
      baseUrl: ${t.baseUrl}
      auth: { type: ${t.registerToken ? 'bearer' : 'none'}, secretEnv: REGISTER_TOKEN_${t.id.toUpperCase()} }
      webhookSecretEnv: WEBHOOK_SECRET_${t.id.toUpperCase()}
      minFullReadShare: ${t.minFullReadShare ?? 0.8}
    directory: { ouName: ${t.id}, upnSuffix: skola.${t.id}.se }
    federation: { scope: ${t.id}.se }`,
    )
    .join('\n')}\n`;
  const tenantConfigs: TenantConfig[] = parseTenants(yaml, 'test tenants');
  const config = loadConfig(IngestConfig, env);
  const app = await NestFactory.create(AppModule.forRoot(config, tenantConfigs, { env }), { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  await app.listen(0, '127.0.0.1');
  connectJetStream(app, { ...messaging.options, app: 'register-ingest' });
  await app.startAllMicroservices();
  const address = app.getHttpServer().address() as { port: number };
  const prisma = createPrismaClient(db.url);
  const publishing = app.get(OutboxPublishing);

  const harness: IngestHarness = {
    app,
    url: `http://127.0.0.1:${address.port}`,
    prisma,
    db,
    messaging,
    scheduler: app.get(SyncSchedulerService),
    adminToken,
    async events(stream) {
      const messages = await messaging.readMessages(stream);
      return messages.map((message) => {
        const event = JSON.parse(new TextDecoder().decode(message.data)) as { type: string; subject: string; data: unknown };
        return { subject: message.subject.slice(messaging.namespace.length + 1), type: event.type, subjectId: event.subject, data: event.data };
      });
    },
    async flushed(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while ((await publishing.backlog()) > 0) {
        if (Date.now() > deadline) throw new Error('outbox not published in time');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async close() {
      await app.close();
      await prisma.$disconnect();
      await messaging.cleanup();
      await db.drop();
    },
  };
  return harness;
}
