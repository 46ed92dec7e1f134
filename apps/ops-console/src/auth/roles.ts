export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The signed-in operator as every request sees it. */
export interface Principal {
  id: string;
  username: string;
  role: Role;
  /** 'all' or the tenants this operator may see and act on. */
  tenants: 'all' | string[];
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** Roles are ordered: an admin may do what an operator may, an operator what a viewer may. */
export function hasRole(actual: Role, required: Role): boolean {
  return RANK[actual] >= RANK[required];
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function canSeeTenant(principal: Principal, tenant: string | null | undefined): boolean {
  if (principal.tenants === 'all') return true;
  return tenant !== null && tenant !== undefined && principal.tenants.includes(tenant);
}

/** The tenants to filter a query by, or undefined when the operator sees every tenant. */
export function tenantScope(principal: Principal): string[] | undefined {
  return principal.tenants === 'all' ? undefined : principal.tenants;
}
