// A running claim-portal for integration and browser tests: its own migrated database, NATS namespace
// and AD OU; the public page and the admin API each on a free port; accounts created for real in
// Samba AD and announced with the events ad-provisioner and identity-normalizer would publish.
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EVENTS, SAMPLE_EVENT_DATA } from '@skolkonto/contracts';
import { attributeBuffer, generateStrongPassword, guidToString, LdapDirectory } from '@skolkonto/directory';
import {
  createTestMessaging,
  EventPublisher,
  JetStreamExceptionFilter,
  JetStreamServer,
  resolveMessagingOptions,
  type TestMessaging,
} from '@skolkonto/messaging';
import { createPrismaClient, type PrismaClient } from '@skolkonto/persistence';
import { loadConfig, type TenantConfig } from '@skolkonto/platform';
import {
  createTestDatabase,
  createTestOu,
  type TestDatabase,
  testEnv,
  type TestOu,
} from '@skolkonto/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { AdminApiModule, configureAdminApp } from '../../src/admin-api/admin-api.module';
import { AppModule } from '../../src/app.module';
import { ClaimPortalConfig } from '../../src/config';
import { IssueCodesService } from '../../src/issue-codes/issue-codes.service';
import { ManageLockoutsService } from '../../src/manage-lockouts/manage-lockouts.service';
import { configurePublicApp } from '../../src/web/web-security';

export const TENANT = 'skara';
export const ADMIN_TOKEN = `admin-${randomBytes(12).toString('hex')}`;

export interface TestAccount {
  identityId: string;
  accountName: string;
  dn: string;
  accountId: string;
  givenName: string;
  sn: string;
  displayName: string;
  classGroupId: string;
  className: string;
  schoolUnitCode: string;
}

export interface ClaimTestEnv {
  app: INestApplication;
  publicUrl: string;
  adminUrl: string;
  db: TestDatabase;
  prisma: PrismaClient;
  nats: TestMessaging;
  ou: TestOu;
  directory: LdapDirectory;
  /** Moves the app's clock (code expiry, rate-limit windows). */
  advanceClock(ms: number): void;
  /** A real AD account (random password nobody knows), announced on DIRECTORY and IDENTITY; resolves once learned. */
  addAccount(
    input?: Partial<
      Pick<TestAccount, 'givenName' | 'sn' | 'classGroupId' | 'className' | 'schoolUnitCode'>
    > & {
      /** As with PROVISIONER_MUST_CHANGE_PASSWORD=true: pwdLastSet=0. */
      mustChangePassword?: boolean;
    },
  ): Promise<TestAccount>;
  admin(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }>;
  /** Events the app published (namespace stripped from subjects). */
  published(stream: 'OPS' | 'DIRECTORY'): Promise<Array<{ subject: string; event: any; raw: string }>>;
  close(): Promise<void>;
}

export async function until<T>(
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function startClaimPortal(
  label: string,
  env: Record<string, string> = {},
): Promise<ClaimTestEnv> {
  const { ldap, nats: natsEnv } = testEnv();
  const nats = await createTestMessaging(label, { app: 'claim-portal' });
  const db = await createTestDatabase({ prefix: 'claim_test' });
  const ou = await createTestOu(label);
  const config = loadConfig(ClaimPortalConfig, {
    NODE_ENV: 'test',
    PORT: '0',
    CLAIM_ADMIN_PORT: '0',
    DATABASE_URL: db.url,
    NATS_URL: natsEnv.url,
    NATS_NAMESPACE: nats.namespace,
    CLAIM_ADMIN_TOKEN: ADMIN_TOKEN,
    CLAIM_SESSION_SECRET: randomBytes(24).toString('hex'),
    // Each simulated client sends its own X-Forwarded-For, so rate limits per IP stay apart.
    CLAIM_TRUST_PROXY_HOPS: '1',
    LDAP_URL: ldap.url,
    LDAP_CA_FILE: ldap.caFile,
    LDAP_BIND_DN: ldap.bindDn,
    LDAP_BIND_PASSWORD: ldap.bindPassword,
    LDAP_BASE_DN: ldap.baseDn,
    ...env,
  });
  let clockOffset = 0;
  const now = () => new Date(Date.now() + clockOffset);
  const tenants = [{ id: TENANT }, { id: 'lidkoping' }] as unknown as TenantConfig[];
  const app: INestApplication = await NestFactory.create(AppModule.forRoot(config, tenants, { now }), {
    logger: ['error'],
  });
  configurePublicApp(app, { secure: config.cookieSecure, trustProxyHops: config.CLAIM_TRUST_PROXY_HOPS });
  const consumers = app.connectMicroservice(
    { strategy: new JetStreamServer({ ...nats.options, connection: nats.connection }) },
    { inheritAppConfig: true },
  );
  consumers.useGlobalFilters(new JetStreamExceptionFilter());
  await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  const adminApp = await NestFactory.create(
    AdminApiModule.register({
      token: ADMIN_TOKEN,
      issueCodes: app.get(IssueCodesService),
      lockouts: app.get(ManageLockoutsService),
    }),
    { logger: ['error'], bodyParser: false },
  );
  configureAdminApp(adminApp);
  await adminApp.listen(0, '127.0.0.1');
  const port = (a: INestApplication) => (a.getHttpServer().address() as { port: number }).port;
  const publisher = new EventPublisher(nats.connection.js, resolveMessagingOptions(nats.options));
  const prisma = createPrismaClient(db.url, { poolSize: 2 });
  const directory = new LdapDirectory({
    url: ldap.url,
    ca: ldap.ca,
    bindDn: ldap.bindDn,
    bindPassword: ldap.bindPassword,
    poolSize: 2,
  });
  const adminUrl = `http://127.0.0.1:${port(adminApp)}`;

  return {
    app,
    publicUrl: `http://127.0.0.1:${port(app)}`,
    adminUrl,
    db,
    prisma,
    nats,
    ou,
    directory,
    advanceClock(ms) {
      clockOffset += ms;
    },
    async addAccount(input = {}) {
      const accountName = `cl${randomBytes(4).toString('hex')}`;
      const givenName = input.givenName ?? 'Tove';
      const sn = input.sn ?? 'Ekström';
      const displayName = `${givenName} ${sn}`;
      const dn = `CN=${accountName},${ou.dn}`;
      // As ad-provisioner creates it: enabled, with a random password that is never kept.
      await directory.add(dn, {
        objectClass: ['top', 'person', 'organizationalPerson', 'user'],
        sAMAccountName: accountName,
        userPrincipalName: `${accountName}@skola.skara.se`,
        givenName,
        sn,
        displayName,
        unicodePwd: Buffer.from(`"${generateStrongPassword()}"`, 'utf16le'),
        userAccountControl: '512',
        ...(input.mustChangePassword ? { pwdLastSet: '0' } : {}),
      });
      const entry = await directory.findEntry(dn, ['objectGUID']);
      const accountId = guidToString(attributeBuffer(entry!, 'objectGUID')!);
      const identityId = randomUUID();
      const account: TestAccount = {
        identityId,
        accountName,
        dn,
        accountId,
        givenName,
        sn,
        displayName,
        classGroupId: input.classGroupId ?? randomUUID(),
        className: input.className ?? '7B',
        schoolUnitCode: input.schoolUnitCode ?? '87654321',
      };
      const sample = SAMPLE_EVENT_DATA.identityPersonChanged;
      await publisher.publish(EVENTS.identityPersonChanged, {
        tenant: TENANT,
        data: {
          ...sample,
          identityId,
          tenant: TENANT,
          version: 2,
          names: { givenName, familyName: sn, displayName, protected: false },
          schoolUnits: [{ ...sample.schoolUnits[0]!, schoolUnitCode: account.schoolUnitCode }],
          class: {
            groupId: account.classGroupId,
            displayName: account.className,
            schoolUnitCode: account.schoolUnitCode,
          },
        },
      });
      await publisher.publish(EVENTS.directoryAccountProvisioned, {
        tenant: TENANT,
        data: {
          identityId,
          tenant: TENANT,
          identityVersion: 2,
          accountId,
          sAMAccountName: accountName,
          userPrincipalName: `${accountName}@skola.skara.se`,
          distinguishedName: dn,
          enabled: true,
          occurredAt: new Date().toISOString(),
          mode: 'created',
        },
      });
      await until(() =>
        prisma.claimAccount.findFirst({
          where: { identityId, accountName: { not: null }, displayName: { not: null } },
        }),
      );
      return account;
    },
    async admin(method, path, body, token = ADMIN_TOKEN) {
      const response = await fetch(`${adminUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined || method === 'GET' ? {} : { 'content-type': 'application/json' }),
        },
        body:
          body === undefined || method === 'GET'
            ? undefined
            : typeof body === 'string'
              ? body
              : JSON.stringify(body),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        /* not JSON */
      }
      return { status: response.status, body: parsed };
    },
    async published(stream) {
      return (await nats.readMessages(stream)).map((message) => {
        const raw = new TextDecoder().decode(message.data);
        return { subject: message.subject.slice(nats.namespace.length + 1), event: JSON.parse(raw), raw };
      });
    },
    async close() {
      await adminApp.close();
      await app.close();
      await directory.close();
      await prisma.$disconnect();
      await nats.cleanup();
      await db.drop();
      await ou.cleanup();
    },
  };
}

/** A browserless client of the claim page: keeps the session cookie, reads the CSRF token, has its own IP. */
export class PageClient {
  private cookie = '';
  csrf = '';
  ticket = '';
  constructor(
    private readonly baseUrl: string,
    readonly ip = `10.${rnd()}.${rnd()}.${rnd()}`,
  ) {}

  async get(path = '/', headers: Record<string, string> = {}) {
    return this.request('GET', path, undefined, headers);
  }

  async post(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
    return this.request(
      'POST',
      path,
      new URLSearchParams({ csrf: this.csrf, ...fields }).toString(),
      headers,
    );
  }

  /** GET / then POST /claim. */
  async submitCode(accountName: string, code: string) {
    if (!this.csrf) await this.get('/');
    return this.post('/claim', { accountName, code });
  }

  private async request(
    method: string,
    path: string,
    body: string | undefined,
    headers: Record<string, string>,
  ) {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        'x-forwarded-for': this.ip,
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...headers,
      },
      body,
    });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0]!;
    const html = await response.text();
    this.csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? this.csrf;
    this.ticket = /name="ticket" value="([^"]+)"/.exec(html)?.[1] ?? '';
    return {
      status: response.status,
      html,
      headers: response.headers,
      error: /data-testid="error">([\s\S]*?)<\/(p|ul)>/.exec(html)?.[1],
    };
  }
}

function rnd(): number {
  return Math.floor(Math.random() * 250) + 1;
}
