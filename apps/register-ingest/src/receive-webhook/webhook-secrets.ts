import type { TenantConfig } from '@skolkonto/platform';

/** Each tenant's webhook secret, read once from the environment variable its config names. */
export class WebhookSecrets {
  private readonly secrets = new Map<string, string | undefined>();

  constructor(tenants: TenantConfig[], env: Record<string, string | undefined> = process.env) {
    for (const tenant of tenants) {
      const name = tenant.register.webhookSecretEnv;
      this.secrets.set(tenant.id, name ? env[name] || undefined : undefined);
    }
  }

  isKnown(tenant: string): boolean {
    return this.secrets.has(tenant);
  }

  /** Undefined for an unknown tenant or one without a secret: its webhooks are always refused. */
  forTenant(tenant: string): string | undefined {
    return this.secrets.get(tenant);
  }

  tenantsWithoutSecret(): string[] {
    return [...this.secrets].filter(([, secret]) => !secret).map(([tenant]) => tenant);
  }
}
