/** Staff roles, most to least powerful. */
export const ROLES = ['owner', 'admin', 'operator', 'support'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Every permission an admin route can require. Later modules add theirs here so a role's
 * grants stay readable in one table.
 */
export const PERMISSIONS = [
  'staff:self',
  'staff:read',
  'staff:write',
  'audit:read',
  'customers:read',
  'customers:write',
  'catalog:read',
  'catalog:write',
  'orders:read',
  'orders:write',
  'promotions:read',
  'promotions:write',
  'analytics:read',
  'settings:write',
  'webhooks:read',
  'webhooks:write',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const GRANTS: Record<Role, readonly Permission[]> = {
  owner: PERMISSIONS,
  admin: PERMISSIONS,
  operator: [
    'staff:self',
    'customers:read',
    'catalog:read',
    'catalog:write',
    'orders:read',
    'orders:write',
    'promotions:read',
    'promotions:write',
    'analytics:read',
  ],
  support: ['staff:self', 'customers:read', 'orders:read', 'catalog:read'],
};

const SETS: Record<Role, ReadonlySet<string>> = Object.fromEntries(ROLES.map((r) => [r, new Set(GRANTS[r])])) as unknown as Record<Role, ReadonlySet<string>>;

/** The permissions a role grants. */
export function permissionsOf(role: Role): ReadonlySet<string> {
  return SETS[role];
}
