import fc from 'fast-check';
import { canSeeTenant, hasRole, ROLES } from './roles';

describe('roles', () => {
  it('lets an admin do what an operator may, but not a viewer', () => {
    expect(hasRole('admin', 'operator')).toBe(true);
    expect(hasRole('operator', 'operator')).toBe(true);
    expect(hasRole('viewer', 'operator')).toBe(false);
    expect(hasRole('operator', 'admin')).toBe(false);
  });

  it('is transitive over the role order', () => {
    const role = fc.constantFrom(...ROLES);
    fc.assert(
      fc.property(role, role, role, (a, b, c) => {
        if (hasRole(a, b) && hasRole(b, c)) expect(hasRole(a, c)).toBe(true);
      }),
    );
  });

  it('limits an operator to the listed tenants', () => {
    const principal = { id: 'x', username: 'u', role: 'operator' as const, tenants: ['skara'] };
    expect(canSeeTenant(principal, 'skara')).toBe(true);
    expect(canSeeTenant(principal, 'lidkoping')).toBe(false);
    expect(canSeeTenant(principal, undefined)).toBe(false);
    expect(canSeeTenant({ ...principal, tenants: 'all' }, 'lidkoping')).toBe(true);
  });
});
