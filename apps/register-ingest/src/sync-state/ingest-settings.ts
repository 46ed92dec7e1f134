import { ENTITY_TYPES, EntityType } from '../register-source/register-source';

/** How one tenant is synchronised; built from config/tenants.yaml plus this app's env. */
export interface TenantSyncSettings {
  tenant: string;
  entityTypes: readonly EntityType[];
  /** Delta pull every … ms (default 60 s). */
  deltaIntervalMs: number;
  /** Delta pulls ask for meta.modified after watermark minus this (servers differ on exclusive/inclusive). */
  overlapMs: number;
  /** A full read with fewer than this share of the live count holds its deletions (default 0.8). */
  minimumFullReadShare: number;
  /** A failed full read is retried this many times in all before the run fails. */
  fullReadAttempts: number;
  fullReadRetryDelayMs: number;
  /** Daily full reconciliation at HH:MM local time; empty = only on demand. */
  fullReconcileAt: string;
}

export const DEFAULT_SYNC_SETTINGS: Omit<TenantSyncSettings, 'tenant'> = {
  entityTypes: ENTITY_TYPES,
  deltaIntervalMs: 60_000,
  overlapMs: 5_000,
  minimumFullReadShare: 0.8,
  fullReadAttempts: 3,
  fullReadRetryDelayMs: 5_000,
  fullReconcileAt: '01:30',
};

export class IngestSettings {
  private readonly byTenant: Map<string, TenantSyncSettings>;

  constructor(tenants: TenantSyncSettings[]) {
    this.byTenant = new Map(tenants.map((tenant) => [tenant.tenant, tenant]));
  }

  tenants(): string[] {
    return [...this.byTenant.keys()];
  }

  has(tenant: string): boolean {
    return this.byTenant.has(tenant);
  }

  forTenant(tenant: string): TenantSyncSettings {
    const settings = this.byTenant.get(tenant);
    if (!settings) throw new Error(`unknown tenant ${tenant}`);
    return settings;
  }
}
