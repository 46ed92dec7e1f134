// claim-portal: the self-service page where a pupil or member of staff sets the first password of
// the account with a one-time claim code (PORT, faces the internet), and the internal admin API the
// ops console issues codes and unlocks accounts through (CLAIM_ADMIN_PORT, never exposed publicly).
// Learns accounts from directory.* and identity.*; publishes ops.claimcode.issued and
// directory.account.claimed through its outbox.
import { NestFactory } from '@nestjs/core';
import { connectJetStream, messagingOptionsFromEnv } from '@skolkonto/messaging';
import { createLogger, PinoNestLogger, runService } from '@skolkonto/platform';
import { AdminApiModule, configureAdminApp } from './admin-api/admin-api.module';
import { AdminApiLifecycle, AppModule } from './app.module';
import { ClaimPortalConfig } from './config';
import { IssueCodesService } from './issue-codes/issue-codes.service';
import { ManageLockoutsService } from './manage-lockouts/manage-lockouts.service';
import { configurePublicApp } from './web/web-security';

const NAME = 'claim-portal';

async function main(): Promise<void> {
  let settings: ClaimPortalConfig | undefined;
  const app = await runService({
    name: NAME,
    configClass: ClaimPortalConfig,
    module: (config, tenants) => AppModule.forRoot(config, tenants),
    requiredEndpoints: (config) => [
      ['DATABASE_URL', config.DATABASE_URL],
      ['NATS_URL', config.NATS_URL],
      ['LDAP_URL', config.LDAP_URL],
    ],
    beforeListen: (publicApp, config) => {
      settings = config;
      configurePublicApp(publicApp, {
        secure: config.cookieSecure,
        trustProxyHops: config.CLAIM_TRUST_PROXY_HOPS,
      });
    },
  });
  const config = settings!;
  connectJetStream(app, {
    ...messagingOptionsFromEnv(NAME),
    servers: config.NATS_URL.split(','),
    namespace: config.NATS_NAMESPACE,
  });
  await app.startAllMicroservices();

  const logger = createLogger(NAME, config.LOG_LEVEL);
  const admin = await NestFactory.create(
    AdminApiModule.register({
      token: config.CLAIM_ADMIN_TOKEN,
      issueCodes: app.get(IssueCodesService),
      lockouts: app.get(ManageLockoutsService),
    }),
    { logger: new PinoNestLogger(logger), abortOnError: false, bodyParser: false },
  );
  configureAdminApp(admin);
  const host = config.CLAIM_ADMIN_HOST ?? config.HOST;
  await admin.listen(config.CLAIM_ADMIN_PORT, host);
  const address = admin.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.CLAIM_ADMIN_PORT;
  logger.info({ port }, `admin API (internal) at http://${host}:${port}/internal/v1`);
  await app.get(AdminApiLifecycle).attach(admin);
}

void main();
