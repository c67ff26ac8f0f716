import { randomBytes } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, Tx } from '../../platform/db/index.js';
import { withTransaction } from '../../platform/db/index.js';
import { decodeCursor, toPage } from '../../platform/http/pagination.js';
import { newId } from '../../platform/ids.js';
import { hashPassword, needsRehash, verifyAgainstDummy, verifyPassword } from '../../platform/passwords.js';
import type { Audit } from '../audit/index.js';
import type { Auth } from '../auth/index.js';
import { authError } from '../auth/index.js';
import { staffError } from './errors.js';
import { permissionsOf, type Role } from './roles.js';
import type { CreateStaffBody, Staff, StaffListQuery, StaffLoginBody, UpdateStaffBody } from './schemas.js';
import type { StaffUserTable } from './tables.js';

export interface StaffDeps {
  db: Kysely<Database>;
  auth: Auth;
  audit: Audit;
}

/** Who performs a staff write, for permission rules and the audit log. */
export interface Actor {
  staffId: string;
  role: string;
  ip: string;
}

type Row = Omit<Selectable<StaffUserTable>, 'passwordHash'>;
const COLUMNS = ['id', 'email', 'name', 'role', 'active', 'lastLoginAt', 'createdAt', 'updatedAt'] as const;

export function toStaff(row: Row): Staff {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    active: row.active,
    permissions: [...permissionsOf(row.role)].sort(),
    lastLoginAt: row.lastLoginAt ? new Date(row.lastLoginAt).toISOString() : null,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

const normalise = (email: string) => email.trim().toLowerCase();

export async function loginStaff(deps: StaffDeps, input: StaffLoginBody, client: { ip: string; userAgent: string | null }) {
  const email = normalise(input.email);
  await deps.auth.assertNotThrottled('staff', email, client.ip);
  const row = await deps.db.selectFrom('staffUser').select([...COLUMNS, 'passwordHash']).where('email', '=', email).executeTakeFirst();
  const ok = row ? await verifyPassword(row.passwordHash, input.password) : await verifyAgainstDummy(input.password);
  if (!row || !ok || !row.active) {
    await deps.auth.recordLoginFailure('staff', email, client.ip);
    throw authError('AUTH_INVALID_CREDENTIALS');
  }
  await deps.auth.clearLoginFailures('staff', email);
  const rehash = needsRehash(row.passwordHash) ? await hashPassword(input.password) : undefined;
  return withTransaction(deps.db, async (trx) => {
    const updated = await trx
      .updateTable('staffUser')
      .set({ lastLoginAt: sql`now()`, ...(rehash ? { passwordHash: rehash } : {}) })
      .where('id', '=', row.id)
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
    const session = await deps.auth.issueSession(trx, { subjectType: 'staff', subjectId: row.id, ...client });
    await deps.audit.record(trx, { actorId: row.id, action: 'staff.logged_in', targetType: 'staff', targetId: row.id, ip: client.ip });
    return { staff: toStaff(updated), token: session.token };
  });
}

export async function getStaff(db: Kysely<Database>, id: string): Promise<Staff> {
  const row = await db.selectFrom('staffUser').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  if (!row) throw staffError('STAFF_NOT_FOUND');
  return toStaff(row);
}

/** Role and status only: what every admin request needs to check permissions. */
export async function getStaffAccess(db: Kysely<Database>, id: string): Promise<{ role: Role; active: boolean } | undefined> {
  return db.selectFrom('staffUser').select(['role', 'active']).where('id', '=', id).executeTakeFirst();
}

export async function listStaff(db: Kysely<Database>, query: StaffListQuery) {
  let q = db.selectFrom('staffUser').select(COLUMNS).orderBy('id').limit(query.limit + 1);
  if (query.cursor) q = q.where('id', '>', String(decodeCursor(query.cursor, 1)[0]));
  if (query.role) q = q.where('role', '=', query.role);
  if (query.active !== undefined) q = q.where('active', '=', query.active);
  return toPage(await q.execute(), query.limit, toStaff, (r) => [r.id]);
}

export async function createStaff(deps: StaffDeps, actor: Actor, input: CreateStaffBody): Promise<Staff> {
  if (input.role === 'owner' && actor.role !== 'owner') throw staffError('STAFF_OWNER_REQUIRED', { detail: 'Only an owner may create another owner' });
  const passwordHash = await hashPassword(input.password);
  return withTransaction(deps.db, async (trx) => {
    const row = await trx
      .insertInto('staffUser')
      .values({ id: newId('stf'), email: normalise(input.email), passwordHash, name: input.name.trim(), role: input.role, active: true, lastLoginAt: null })
      .onConflict((oc) => oc.column('email').doNothing())
      .returning(COLUMNS)
      .executeTakeFirst();
    if (!row) throw staffError('STAFF_EMAIL_TAKEN');
    await deps.audit.record(trx, {
      actorId: actor.staffId,
      action: 'staff.created',
      targetType: 'staff',
      targetId: row.id,
      data: { email: row.email, role: row.role },
      ip: actor.ip,
    });
    return toStaff(row);
  });
}

async function activeOwnersOtherThan(trx: Tx, id: string): Promise<number> {
  const { n } = await trx
    .selectFrom('staffUser')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('role', '=', 'owner')
    .where('active', '=', true)
    .where('id', '<>', id)
    .executeTakeFirstOrThrow();
  return Number(n);
}

export async function updateStaff(deps: StaffDeps, actor: Actor, id: string, input: UpdateStaffBody): Promise<Staff> {
  const passwordHash = input.password ? await hashPassword(input.password) : undefined;
  return withTransaction(deps.db, async (trx) => {
    // Owners are locked in a fixed order so two concurrent demotions cannot both pass the
    // "another owner remains" check.
    await trx.selectFrom('staffUser').select('id').where('role', '=', 'owner').orderBy('id').forUpdate().execute();
    const current = await trx.selectFrom('staffUser').select(['id', 'role', 'active']).where('id', '=', id).forUpdate().executeTakeFirst();
    if (!current) throw staffError('STAFF_NOT_FOUND');
    const touchesOwner = current.role === 'owner' || input.role === 'owner';
    if (touchesOwner && actor.role !== 'owner') throw staffError('STAFF_OWNER_REQUIRED', { detail: 'Only an owner may change an owner or grant the owner role' });
    const demoted = input.role !== undefined && input.role !== current.role;
    const deactivated = input.active === false && current.active;
    if (id === actor.staffId && (demoted || deactivated)) throw staffError('STAFF_SELF_LOCKOUT');
    if (current.role === 'owner' && current.active && (demoted || deactivated) && (await activeOwnersOtherThan(trx, id)) === 0) {
      throw staffError('STAFF_LAST_OWNER');
    }
    const row = await trx
      .updateTable('staffUser')
      .set({
        ...(input.name !== undefined ? { name: input.name.trim() } : {}),
        ...(input.role !== undefined ? { role: input.role } : {}),
        ...(input.active !== undefined ? { active: input.active } : {}),
        ...(passwordHash ? { passwordHash } : {}),
        updatedAt: sql`now()`,
      })
      .where('id', '=', id)
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
    // A deactivated account, or one whose password was reset by someone else, is signed out everywhere.
    if (deactivated || (passwordHash && id !== actor.staffId)) await deps.auth.revokeSubjectSessions(trx, 'staff', id);
    const { password, ...changes } = input;
    await deps.audit.record(trx, {
      actorId: actor.staffId,
      action: 'staff.updated',
      targetType: 'staff',
      targetId: id,
      data: { changes, ...(password ? { passwordChanged: true } : {}) },
      ip: actor.ip,
    });
    return toStaff(row);
  });
}

/**
 * Makes sure the configured owner exists with the configured password. Returns whether it
 * was created.
 */
export async function ensureOwner(deps: StaffDeps, email: string, password: string): Promise<'created' | 'updated' | 'unchanged'> {
  const normalised = normalise(email);
  const existing = await deps.db.selectFrom('staffUser').select(['id', 'passwordHash', 'role', 'active']).where('email', '=', normalised).executeTakeFirst();
  if (existing && existing.role === 'owner' && existing.active && (await verifyPassword(existing.passwordHash, password))) return 'unchanged';
  const passwordHash = await hashPassword(password);
  return withTransaction(deps.db, async (trx) => {
    if (existing) {
      await trx.updateTable('staffUser').set({ passwordHash, role: 'owner', active: true, updatedAt: sql`now()` }).where('id', '=', existing.id).execute();
      await deps.audit.record(trx, { actorType: 'system', actorId: null, action: 'staff.owner_reset', targetType: 'staff', targetId: existing.id });
      return 'updated';
    }
    const id = newId('stf');
    await trx
      .insertInto('staffUser')
      .values({ id, email: normalised, passwordHash, name: 'Owner', role: 'owner', active: true, lastLoginAt: null })
      .execute();
    await deps.audit.record(trx, { actorType: 'system', actorId: null, action: 'staff.created', targetType: 'staff', targetId: id, data: { email: normalised, role: 'owner' } });
    return 'created';
  });
}

/** True when no staff account exists yet (a new shop). */
export async function hasNoStaff(db: Kysely<Database>): Promise<boolean> {
  const row = await db.selectFrom('staffUser').select('id').limit(1).executeTakeFirst();
  return !row;
}

/** A random password for a generated owner account: 20 characters, ~120 bits. */
export function generatePassword(): string {
  return randomBytes(15).toString('base64url');
}
