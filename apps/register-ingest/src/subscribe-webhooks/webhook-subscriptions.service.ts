// Asks each tenant's register to POST a webhook to us when something changes, and keeps the
// subscription alive. The register's webhook carries no credentials of its own, so the tenant's
// secret travels in the target URL's query (the simulator and our endpoint both accept it there).
// One subscription per tenant and public URL: a restart renews the one it finds, and one of ours
// for the same endpoint with another target (a rotated secret) or a duplicate is deleted.
import { Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Ss12000Client } from '@skolkonto/ss12000';
import type { WebhookSecrets } from '../receive-webhook/webhook-secrets';

export const SUBSCRIPTION_NAME = 'skolkonto-register-ingest';
const RESOURCES = ['Person', 'Organisation', 'Group', 'Duty'] as const;

export class WebhookSubscriptionsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookSubscriptionsService.name);
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, Promise<string | undefined>>();
  private stopped = false;

  constructor(
    private readonly publicUrl: string | undefined,
    private readonly tenants: string[],
    private readonly clientFor: (tenant: string) => Ss12000Client,
    private readonly secrets: WebhookSecrets,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.publicUrl) return;
    for (const tenant of this.tenants) void this.ensure(tenant);
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /** Creates or renews the tenant's subscription; schedules the next renewal at half its lifetime. */
  ensure(tenant: string): Promise<string | undefined> {
    // One at a time per tenant: a renewal timer firing during another ensure must not create a second.
    const previous = this.running.get(tenant) ?? Promise.resolve(undefined);
    const next = previous.then(() => this.ensureNow(tenant));
    this.running.set(tenant, next);
    return next;
  }

  private async ensureNow(tenant: string): Promise<string | undefined> {
    const secret = this.secrets.forTenant(tenant);
    if (!this.publicUrl || !secret) {
      if (!secret) this.logger.warn(`no webhook secret for ${tenant}: not subscribing, delta pulls only`);
      return undefined;
    }
    const endpoint = `${this.publicUrl.replace(/\/$/, '')}/webhooks/${tenant}`;
    const target = `${endpoint}?secret=${encodeURIComponent(secret)}`;
    const client = this.clientFor(tenant);
    try {
      // Ours: our name and our endpoint (another deployment on the same register has another URL).
      const ours = (await client.listSubscriptions()).filter((s) => s.name === SUBSCRIPTION_NAME && s.target.split('?')[0] === endpoint);
      const keep = ours.find((s) => s.target === target);
      const subscription = keep
        ? await client.renewSubscription(keep.id)
        : await client.createSubscription({ name: SUBSCRIPTION_NAME, target, resourceTypes: RESOURCES.map((resource) => ({ resource })) });
      for (const stale of ours.filter((s) => s.id !== subscription.id)) {
        await client.deleteSubscription(stale.id).catch((error: Error) => this.logger.warn(`could not delete ${tenant}'s stale webhook subscription ${stale.id}: ${error.message}`));
      }
      const lifetime = Math.max(60_000, Date.parse(subscription.expires) - Date.now());
      this.schedule(tenant, lifetime / 2);
      this.logger.log(`webhook subscription ${subscription.id} of ${tenant} ${keep ? 'renewed' : 'created'}, valid until ${subscription.expires}`);
      return subscription.id;
    } catch (error) {
      this.logger.warn(`could not subscribe to ${tenant}'s register webhooks, retrying in 5 min: ${(error as Error).message}`);
      this.schedule(tenant, 300_000);
      return undefined;
    }
  }

  private schedule(tenant: string, ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timers.get(tenant));
    const timer = setTimeout(() => void this.ensure(tenant), Math.min(ms, 2 ** 31 - 1));
    timer.unref();
    this.timers.set(tenant, timer);
  }
}
