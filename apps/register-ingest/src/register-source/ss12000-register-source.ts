// The RegisterSource over @skolkonto/ss12000: one client per tenant, auth from the tenant's config
// (secrets from the environment variables the tenants file names).
import type { TenantConfig } from '@skolkonto/platform';
import {
  type AuthConfig,
  createAuthProvider,
  type EntityPath,
  type RecordRejection,
  Ss12000Client,
  type Ss12000ClientOptions,
} from '@skolkonto/ss12000';
import { DeletedIds, EntityType, RegisterPage, RegisterRecord, RegisterSource, RegisterSourceFactory, RejectedRecord } from './register-source';

const PATH_OF: Record<EntityType, EntityPath> = {
  Person: 'persons',
  Organisation: 'organisations',
  Group: 'groups',
  Duty: 'duties',
};

/** A stable code for dashboards and metric labels, derived from the client's reason text. */
export function toRejectionCode(reason: string): string {
  if (/civicNo/.test(reason)) return 'INVALID_CIVIC_NUMBER';
  if (/has unknown value/.test(reason)) return 'UNKNOWN_ENUM';
  if (/is missing|is empty/.test(reason)) return 'MISSING_FIELD';
  return 'SCHEMA_INVALID';
}

export function toRejectedRecord(rejection: RecordRejection): RejectedRecord {
  return { registerId: rejection.id, code: toRejectionCode(rejection.reason), reason: rejection.reason };
}

export class Ss12000RegisterSource implements RegisterSource {
  constructor(readonly client: Ss12000Client) {}

  async *readPages(entityType: EntityType, options: { modifiedAfter?: Date } = {}): AsyncIterable<RegisterPage> {
    for await (const page of this.client.pages(PATH_OF[entityType], { modifiedAfter: options.modifiedAfter })) {
      yield {
        records: page.records as unknown as RegisterRecord[],
        rejected: page.rejections.map(toRejectedRecord),
      };
    }
  }

  async readDeleted(after: Date, entityTypes: readonly EntityType[]): Promise<DeletedIds> {
    const result = await this.client.readDeletedEntities({ after, entities: [...entityTypes] });
    if (!result.complete) throw result.error;
    return {
      Person: result.deleted.persons,
      Organisation: result.deleted.organisations,
      Group: result.deleted.groups,
      Duty: result.deleted.duties,
    };
  }
}

/** Builds the client auth of a tenant; throws naming the env var when a secret is missing. */
export function toAuthConfig(tenant: TenantConfig, env: Record<string, string | undefined>): AuthConfig {
  const auth = tenant.register.auth;
  const secret = () => {
    const name = auth.secretEnv;
    const value = name ? env[name] : undefined;
    if (!value) throw new Error(`tenants[${tenant.id}].register.auth.secretEnv: environment variable ${name ?? '(unset)'} is empty`);
    return value;
  };
  switch (auth.type) {
    case 'none':
      return { type: 'none' };
    case 'bearer':
      return { type: 'bearer', token: secret() };
    case 'apiKey':
      return { type: 'apiKey', key: secret(), header: auth.headerName };
    case 'oauth2':
      if (!auth.tokenUrl || !auth.clientId) {
        throw new Error(`tenants[${tenant.id}].register.auth: oauth2 needs tokenUrl and clientId`);
      }
      return { type: 'oauth2ClientCredentials', tokenUrl: auth.tokenUrl, clientId: auth.clientId, clientSecret: secret(), scope: auth.scope };
  }
}

export class Ss12000RegisterSourceFactory extends RegisterSourceFactory {
  private readonly sources = new Map<string, Ss12000RegisterSource>();

  constructor(
    private readonly tenants: TenantConfig[],
    private readonly env: Record<string, string | undefined> = process.env,
    private readonly clientOptions: Partial<Ss12000ClientOptions> = {},
  ) {
    super();
  }

  forTenant(tenant: string): RegisterSource {
    let source = this.sources.get(tenant);
    if (!source) {
      const config = this.tenants.find((candidate) => candidate.id === tenant);
      if (!config) throw new Error(`unknown tenant ${tenant}`);
      const client = new Ss12000Client({
        pageSize: 1000,
        ...this.clientOptions,
        baseUrl: config.register.baseUrl,
        auth: createAuthProvider(toAuthConfig(config, this.env)),
      });
      source = new Ss12000RegisterSource(client);
      this.sources.set(tenant, source);
    }
    return source;
  }

  /** The client of a tenant, for subscriptions. */
  clientFor(tenant: string): Ss12000Client {
    return (this.forTenant(tenant) as Ss12000RegisterSource).client;
  }
}
