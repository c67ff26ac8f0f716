import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import { withTransaction } from '../../platform/db/index.js';
import { publish } from '../../platform/events/index.js';
import { newId } from '../../platform/ids.js';
import { queueMail } from '../../platform/mail.js';
import { hashPassword, needsRehash, verifyAgainstDummy, verifyPassword } from '../../platform/passwords.js';
import { hashToken, newToken } from '../../platform/tokens.js';
import type { Auth } from '../auth/index.js';
import { authError } from '../auth/index.js';
import { customerError } from './errors.js';
import type { Customer, LoginBody, RegisterBody, UpdateMeBody } from './schemas.js';
import type { CustomerTable } from './tables.js';

export interface CustomerDeps {
  db: Kysely<Database>;
  auth: Auth;
  passwordResetTtlMinutes: number;
  publicUrl: string;
  /** Where staff deletions of accounts are recorded. */
  audit?: CustomerAudit;
}

export interface Client {
  ip: string;
  userAgent: string | null;
}

const PUBLIC_COLUMNS = ['id', 'email', 'name', 'locale', 'phone', 'createdAt', 'updatedAt'] as const;

type CustomerRow = Pick<Selectable<CustomerTable>, (typeof PUBLIC_COLUMNS)[number]>;

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function toCustomer(row: CustomerRow): Customer {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    locale: row.locale,
    phone: row.phone,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

export async function getCustomer(db: Kysely<Database>, id: string): Promise<Customer> {
  const row = await db.selectFrom('customer').select(PUBLIC_COLUMNS).where('id', '=', id).executeTakeFirst();
  if (!row) throw customerError('USER_NOT_FOUND');
  return toCustomer(row);
}

export async function register(deps: CustomerDeps, input: RegisterBody, client: Client) {
  const email = normaliseEmail(input.email);
  const passwordHash = await hashPassword(input.password);
  return withTransaction(deps.db, async (trx) => {
    const row = await trx
      .insertInto('customer')
      .values({ id: newId('cus'), email, passwordHash, name: input.name?.trim() ?? null, locale: input.locale ?? null, phone: null })
      .onConflict((oc) => oc.column('email').doNothing())
      .returning(PUBLIC_COLUMNS)
      .executeTakeFirst();
    if (!row) throw customerError('USER_EMAIL_TAKEN', { detail: 'An account with this email already exists' });
    const session = await deps.auth.issueSession(trx, { subjectType: 'customer', subjectId: row.id, ...client });
    await publish(trx, 'customer.registered', { customerId: row.id, locale: row.locale });
    return { customer: toCustomer(row), token: session.token };
  });
}

export async function login(deps: CustomerDeps, input: LoginBody, client: Client) {
  const email = normaliseEmail(input.email);
  await deps.auth.assertNotThrottled('customer', email, client.ip);
  const row = await deps.db.selectFrom('customer').select([...PUBLIC_COLUMNS, 'passwordHash']).where('email', '=', email).executeTakeFirst();
  const ok = row ? await verifyPassword(row.passwordHash, input.password) : await verifyAgainstDummy(input.password);
  if (!row || !ok) {
    await deps.auth.recordLoginFailure('customer', email, client.ip);
    throw authError('AUTH_INVALID_CREDENTIALS');
  }
  await deps.auth.clearLoginFailures('customer', email);
  if (needsRehash(row.passwordHash)) {
    await deps.db.updateTable('customer').set({ passwordHash: await hashPassword(input.password) }).where('id', '=', row.id).execute();
  }
  const session = await deps.auth.issueSession(deps.db, { subjectType: 'customer', subjectId: row.id, ...client });
  return { customer: toCustomer(row), token: session.token };
}

export async function updateMe(deps: CustomerDeps, customerId: string, input: UpdateMeBody): Promise<Customer> {
  const row = await deps.db
    .updateTable('customer')
    .set({
      ...(input.name !== undefined ? { name: input.name?.trim() ?? null } : {}),
      ...(input.locale !== undefined ? { locale: input.locale } : {}),
      ...(input.phone !== undefined ? { phone: input.phone } : {}),
      updatedAt: sql`now()`,
    })
    .where('id', '=', customerId)
    .returning(PUBLIC_COLUMNS)
    .executeTakeFirst();
  if (!row) throw customerError('USER_NOT_FOUND');
  return toCustomer(row);
}

export async function changePassword(
  deps: CustomerDeps,
  principal: { customerId: string; sessionId: string },
  input: { currentPassword: string; newPassword: string },
  client: Client,
): Promise<void> {
  const row = await deps.db.selectFrom('customer').select(['email', 'passwordHash']).where('id', '=', principal.customerId).executeTakeFirst();
  if (!row) throw customerError('USER_NOT_FOUND');
  await deps.auth.assertNotThrottled('customer', row.email, client.ip);
  if (!(await verifyPassword(row.passwordHash, input.currentPassword))) {
    await deps.auth.recordLoginFailure('customer', row.email, client.ip);
    throw customerError('USER_CURRENT_PASSWORD_INCORRECT', { fields: [{ field: '/currentPassword', message: 'is incorrect' }] });
  }
  const passwordHash = await hashPassword(input.newPassword);
  await withTransaction(deps.db, async (trx) => {
    await trx.updateTable('customer').set({ passwordHash, updatedAt: sql`now()` }).where('id', '=', principal.customerId).execute();
    // Other devices signed in with the old password are signed out; this one stays.
    await deps.auth.revokeSubjectSessions(trx, 'customer', principal.customerId, principal.sessionId);
    await publish(trx, 'customer.password_changed', { customerId: principal.customerId });
  });
}

/** At most this many reset mails per account per hour, so the endpoint cannot be used to spam. */
const RESETS_PER_HOUR = 3;

export async function requestPasswordReset(deps: CustomerDeps, rawEmail: string): Promise<void> {
  const email = normaliseEmail(rawEmail);
  await withTransaction(deps.db, async (trx) => {
    const customer = await trx.selectFrom('customer').select(['id', 'name', 'email']).where('email', '=', email).forUpdate().executeTakeFirst();
    if (!customer) return;
    const recent = await trx
      .selectFrom('customerPasswordReset')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('customerId', '=', customer.id)
      .where('createdAt', '>', sql<Date>`now() - interval '1 hour'`)
      .executeTakeFirstOrThrow();
    if (Number(recent.n) >= RESETS_PER_HOUR) return;
    const token = newToken('bzr_');
    await trx
      .insertInto('customerPasswordReset')
      .values({
        id: newId('pwr'),
        customerId: customer.id,
        tokenHash: hashToken(token),
        expiresAt: new Date(Date.now() + deps.passwordResetTtlMinutes * 60_000),
        usedAt: null,
      })
      .execute();
    const link = `${deps.publicUrl}/reset-password?token=${encodeURIComponent(token)}`;
    await queueMail(trx, {
      to: customer.email,
      template: 'password_reset',
      subject: 'Reset your password',
      text:
        `Hello${customer.name ? ` ${customer.name}` : ''},\n\n` +
        `Someone asked to reset the password of your account. To choose a new password, open:\n${link}\n\n` +
        `Or use this code: ${token}\n\nIt expires in ${deps.passwordResetTtlMinutes} minutes and works once. ` +
        `If you did not ask for this, ignore this email.\n`,
    });
  });
}

export async function confirmPasswordReset(deps: CustomerDeps, token: string, password: string): Promise<void> {
  const passwordHash = await hashPassword(password);
  await withTransaction(deps.db, async (trx) => {
    const reset = await trx
      .selectFrom('customerPasswordReset')
      .select(['id', 'customerId'])
      .where('tokenHash', '=', hashToken(token))
      .where('usedAt', 'is', null)
      .where('expiresAt', '>', sql<Date>`now()`)
      .forUpdate()
      .executeTakeFirst();
    if (!reset) throw customerError('USER_RESET_TOKEN_INVALID');
    await trx.updateTable('customer').set({ passwordHash, updatedAt: sql`now()` }).where('id', '=', reset.customerId).execute();
    // Every outstanding link dies with the one used, and every session with the old password.
    await trx.updateTable('customerPasswordReset').set({ usedAt: sql`now()` }).where('customerId', '=', reset.customerId).where('usedAt', 'is', null).execute();
    await deps.auth.revokeSubjectSessions(trx, 'customer', reset.customerId);
    await publish(trx, 'customer.password_reset', { customerId: reset.customerId });
  });
}

/** Who deletes an account: the customer (with their password) or a staff member (audited). */
export type Deleter = { kind: 'self'; password: string; client: Client } | { kind: 'staff'; staffId: string; ip: string };

/**
 * Deletes an account: the profile, address book and reset tokens go, every session is revoked, and
 * `customer.deleted` is published in the same transaction (modules holding personal data about the
 * customer, such as behaviour events, follow it). Orders keep the copies of name, email and
 * addresses they were placed with. The email can register again.
 */
export async function deleteAccount(deps: CustomerDeps, customerId: string, by: Deleter): Promise<void> {
  const row = await deps.db.selectFrom('customer').select(['email', 'passwordHash']).where('id', '=', customerId).executeTakeFirst();
  if (!row) throw customerError('USER_NOT_FOUND');
  if (by.kind === 'self') {
    await deps.auth.assertNotThrottled('customer', row.email, by.client.ip);
    if (!(await verifyPassword(row.passwordHash, by.password))) {
      await deps.auth.recordLoginFailure('customer', row.email, by.client.ip);
      throw customerError('USER_CURRENT_PASSWORD_INCORRECT', { fields: [{ field: '/password', message: 'is incorrect' }] });
    }
  }
  await withTransaction(deps.db, async (trx) => {
    const deleted = await trx.deleteFrom('customer').where('id', '=', customerId).executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) throw customerError('USER_NOT_FOUND');
    await deps.auth.revokeSubjectSessions(trx, 'customer', customerId);
    await publish(trx, 'customer.deleted', { customerId });
    if (by.kind === 'staff' && deps.audit) {
      await deps.audit.record(trx, { actorId: by.staffId, action: 'customer.deleted', targetType: 'customer', targetId: customerId, ip: by.ip });
    }
  });
}

/** The audit log, as account deletion by staff writes to it. */
export interface CustomerAudit {
  record(db: Kysely<Database>, entry: { actorId: string; action: string; targetType: string; targetId: string; ip: string }): Promise<unknown>;
}
