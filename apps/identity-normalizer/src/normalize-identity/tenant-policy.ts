import { DEFAULT_LIFECYCLE_POLICY, DEFAULT_NEUTRAL_NAMES, type LifecyclePolicy, type PersonNames } from '@skolkonto/domain';

/** What the normalizer needs to know about a tenant (from config/tenants.yaml). */
export interface TenantPolicy {
  lifecycle: LifecyclePolicy;
  neutralNames: PersonNames;
}

export interface TenantLifecycleSettings {
  id: string;
  lifecycle?: { graceDays?: number; retentionDays?: number; pupilSummerGraceUntil?: string };
}

export function toTenantPolicies(tenants: readonly TenantLifecycleSettings[]): Map<string, TenantPolicy> {
  return new Map(
    tenants.map((tenant) => [
      tenant.id,
      {
        lifecycle: {
          ...DEFAULT_LIFECYCLE_POLICY,
          ...(tenant.lifecycle?.graceDays != null ? { graceDays: tenant.lifecycle.graceDays } : {}),
          ...(tenant.lifecycle?.retentionDays != null ? { retentionDays: tenant.lifecycle.retentionDays } : {}),
          ...(tenant.lifecycle?.pupilSummerGraceUntil ? { summerKeepUntil: tenant.lifecycle.pupilSummerGraceUntil } : {}),
        },
        neutralNames: DEFAULT_NEUTRAL_NAMES,
      },
    ]),
  );
}
