// Webhook subscriptions of the simulated registers and their delivery. The register tells each
// subscriber which resource types changed (`modifiedEntites`, the spec's spelling) and whether
// anything was deleted — never ids: a webhook is only a hint to pull.
import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { RESOURCE_TYPES, RESOURCE_TYPE_OF, type ResourceType, type Subscription } from '@skolkonto/ss12000';
import type { ChangeSet, RegisterStore } from '../register-store/register-store.service';
import type { RegisterRepository, StoredSubscription } from '../register-store/register.repository';
import { ApiError } from '../serve-register/list-query';

export interface WebhookDelivery {
  subscriptionId: string;
  tenant: string;
  /** The target without its query string (which may hold a secret). */
  target: string;
  body: { modifiedEntites: ResourceType[]; deletedEntities: boolean };
  status?: number;
  error?: string;
  attempts: number;
  at: string;
}

export interface SubscriptionSettings {
  ttlMs: number;
  timeoutMs: number;
  retries: number;
}

const MAX_LOG = 500;

export class SubscriptionsService {
  private readonly logger = new Logger(SubscriptionsService.name);
  private readonly deliveries: WebhookDelivery[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private cache?: StoredSubscription[];

  constructor(
    private readonly repository: RegisterRepository,
    store: RegisterStore,
    private readonly settings: SubscriptionSettings,
  ) {
    store.onChange((change) => {
      const delivery = this.notify(change);
      this.inFlight.add(delivery);
      void delivery.finally(() => this.inFlight.delete(delivery));
    });
  }

  private async all(): Promise<StoredSubscription[]> {
    this.cache ??= await this.repository.listSubscriptions();
    return this.cache;
  }

  async list(tenant: string): Promise<Subscription[]> {
    return (await this.all()).filter((s) => s.tenant === tenant).map(toSubscription);
  }

  async get(tenant: string, id: string): Promise<Subscription> {
    const found = (await this.all()).find((s) => s.tenant === tenant && s.id === id);
    if (!found) throw new ApiError(404, 'NOT_FOUND', 'no such subscription');
    return toSubscription(found);
  }

  async create(tenant: string, body: unknown): Promise<Subscription> {
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const problems: string[] = [];
    if (typeof b.name !== 'string' || b.name.trim() === '') problems.push('name is required');
    let target: URL | undefined;
    try {
      target = new URL(String(b.target));
      if (!/^https?:$/.test(target.protocol)) problems.push('target must be an http(s) URL');
    } catch {
      problems.push('target must be an http(s) URL');
    }
    const types = Array.isArray(b.resourceTypes) ? b.resourceTypes : [];
    const resources = types.map((t) => (t as { resource?: unknown })?.resource);
    if (types.length === 0) problems.push('resourceTypes must name at least one resource');
    const unknown = resources.filter((r) => typeof r !== 'string' || r === '');
    if (unknown.length > 0) problems.push('resourceTypes[].resource must be a string');
    if (problems.length > 0) throw new ApiError(400, 'INVALID_SUBSCRIPTION', problems.join('; '));
    const subscription: StoredSubscription = {
      id: randomUUID(),
      tenant,
      name: String(b.name),
      target: target!.toString(),
      resourceTypes: resources.map((resource) => ({ resource: String(resource) })),
      expires: new Date(Date.now() + this.settings.ttlMs),
    };
    await this.repository.saveSubscription(subscription);
    (await this.all()).push(subscription);
    this.logger.log(`subscription ${subscription.id} for ${tenant} (${resources.join(', ')})`);
    return toSubscription(subscription);
  }

  /** PATCH: extends the expiry (to `expires` when given and later than now, else now + TTL). */
  async renew(tenant: string, id: string, body: unknown): Promise<Subscription> {
    const found = (await this.all()).find((s) => s.tenant === tenant && s.id === id);
    if (!found) throw new ApiError(404, 'NOT_FOUND', 'no such subscription');
    const asked = (body as { expires?: unknown } | undefined)?.expires;
    const askedMs = typeof asked === 'string' ? Date.parse(asked) : NaN;
    found.expires = new Date(
      Number.isNaN(askedMs) || askedMs <= Date.now() ? Date.now() + this.settings.ttlMs : askedMs,
    );
    await this.repository.saveSubscription(found);
    return toSubscription(found);
  }

  async remove(tenant: string, id: string): Promise<void> {
    const removed = await this.repository.deleteSubscription(tenant, id);
    if (!removed) throw new ApiError(404, 'NOT_FOUND', 'no such subscription');
    this.cache = (await this.all()).filter((s) => s.id !== id);
  }

  recentDeliveries(tenant?: string): WebhookDelivery[] {
    return this.deliveries.filter((d) => tenant === undefined || d.tenant === tenant);
  }

  /** Resolves when every webhook started so far has been delivered or given up. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async notify(change: ChangeSet): Promise<void> {
    const modified = new Set(change.modified.map((m) => RESOURCE_TYPE_OF[m.entity]));
    const deleted = new Set(change.deleted.map((d) => RESOURCE_TYPE_OF[d.entity]));
    const now = Date.now();
    const subscribers = (await this.all()).filter(
      (s) => s.tenant === change.tenant && s.expires.getTime() > now,
    );
    await Promise.all(
      subscribers.map(async (s) => {
        const wanted = new Set(s.resourceTypes.map((r) => r.resource));
        const modifiedEntites = RESOURCE_TYPES.filter((t) => modified.has(t) && wanted.has(t));
        const deletedEntities = [...deleted].some((t) => wanted.has(t));
        if (modifiedEntites.length === 0 && !deletedEntities) return;
        await this.deliver(s, { modifiedEntites, deletedEntities });
      }),
    );
  }

  private async deliver(s: StoredSubscription, body: WebhookDelivery['body']): Promise<void> {
    const url = new URL(s.target);
    const record: WebhookDelivery = {
      subscriptionId: s.id,
      tenant: s.tenant,
      target: `${url.origin}${url.pathname}`,
      body,
      attempts: 0,
      at: new Date().toISOString(),
    };
    for (let attempt = 1; attempt <= this.settings.retries + 1; attempt++) {
      record.attempts = attempt;
      try {
        const response = await fetch(s.target, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(this.settings.timeoutMs),
        });
        await response.body?.cancel();
        record.status = response.status;
        record.error = undefined;
        if (response.ok || (response.status >= 400 && response.status < 500 && response.status !== 429))
          break;
      } catch (error) {
        record.error = (error as Error).message;
      }
      if (attempt <= this.settings.retries) await new Promise((r) => setTimeout(r, 200 * 2 ** (attempt - 1)));
    }
    if (record.status === undefined || record.status >= 300) {
      this.logger.warn(`webhook ${s.id} to ${record.target} failed: ${record.status ?? record.error}`);
    }
    this.deliveries.push(record);
    if (this.deliveries.length > MAX_LOG) this.deliveries.splice(0, this.deliveries.length - MAX_LOG);
  }
}

function toSubscription(s: StoredSubscription): Subscription {
  return {
    id: s.id,
    name: s.name,
    target: s.target,
    resourceTypes: s.resourceTypes as Subscription['resourceTypes'],
    expires: s.expires.toISOString(),
  };
}
