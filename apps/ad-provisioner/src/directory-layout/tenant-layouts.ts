// The layouts of all configured tenants, built once from tenants.yaml and the AD settings.
import type { TenantConfig } from '@skolkonto/platform';
import { TenantLayout } from './tenant-layout';

export class TenantLayouts {
  private readonly byId: Map<string, TenantLayout>;

  constructor(tenants: TenantConfig[], accountsBaseDn: string, rootOu: string) {
    this.byId = new Map(tenants.map((t) => [t.id, new TenantLayout(t, accountsBaseDn, rootOu)]));
  }

  find(tenant: string): TenantLayout | undefined {
    return this.byId.get(tenant);
  }

  get(tenant: string): TenantLayout {
    const layout = this.byId.get(tenant);
    if (!layout) throw new Error(`tenant ${tenant} is not configured`);
    return layout;
  }

  all(): TenantLayout[] {
    return [...this.byId.values()];
  }
}
