import type { Principal } from '../../platform/http/auth.js';
import { permissionsOf } from './roles.js';
import * as service from './service.js';
import type { Actor, StaffDeps } from './service.js';
import type { CreateStaffBody, StaffListQuery, StaffLoginBody, UpdateStaffBody } from './schemas.js';

export { staffMigrations } from './migrations.js';
export { staffRoutes } from './routes.js';
export { ROLES, PERMISSIONS, permissionsOf, type Role, type Permission } from './roles.js';
export { StaffSchema, type Staff } from './schemas.js';
export type { Actor } from './service.js';

/** Staff accounts, roles and permissions. Every write is audited. */
export function createStaffModule(deps: StaffDeps) {
  return {
    /** Signs in; 401 `AUTH_INVALID_CREDENTIALS` (also for inactive accounts), 429 `AUTH_THROTTLED`. */
    login: (input: StaffLoginBody, client: { ip: string; userAgent: string | null }) => service.loginStaff(deps, input, client),
    logout: (sessionId: string) => deps.auth.revokeSession(sessionId),
    /** Throws 404 `STAFF_NOT_FOUND`. */
    get: (id: string) => service.getStaff(deps.db, id),
    list: (query: StaffListQuery) => service.listStaff(deps.db, query),
    /** Throws 409 `STAFF_EMAIL_TAKEN`, 403 `STAFF_OWNER_REQUIRED` when a non-owner creates an owner. */
    create: (actor: Actor, input: CreateStaffBody) => service.createStaff(deps, actor, input),
    /**
     * Throws 404 `STAFF_NOT_FOUND`, 403 `STAFF_OWNER_REQUIRED`, 409 `STAFF_LAST_OWNER` or
     * `STAFF_SELF_LOCKOUT`. Deactivation revokes the member's sessions.
     */
    update: (actor: Actor, id: string, input: UpdateStaffBody) => service.updateStaff(deps, actor, id, input),
    /** Creates or repairs the owner account named by the configuration. */
    ensureOwner: (email: string, password: string) => service.ensureOwner(deps, email, password),
    hasNoStaff: () => service.hasNoStaff(deps.db),
    generatePassword: service.generatePassword,
    /** The principal for a staff session, or null when the account is gone or inactive. */
    async principalFor(staffId: string, sessionId: string): Promise<Principal | null> {
      const access = await service.getStaffAccess(deps.db, staffId);
      if (!access || !access.active) return null;
      return { kind: 'staff', staffId, sessionId, role: access.role, permissions: permissionsOf(access.role) };
    },
  };
}

export type StaffModule = ReturnType<typeof createStaffModule>;
