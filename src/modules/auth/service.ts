import { sql, type Kysely } from 'kysely';
import type { Config } from '../../platform/config.js';
import type { Database } from '../../platform/db/index.js';
import { newId } from '../../platform/ids.js';
import type { RedisLink } from '../../platform/redis.js';
import { hashToken, newToken } from '../../platform/tokens.js';
import { authError } from './errors.js';
import type { SubjectType } from './tables.js';

export interface AuthDeps {
  db: Kysely<Database>;
  config: Config['auth'];
  /** When given and up, sign-in failures are counted there; PostgreSQL otherwise. */
  redis?: Pick<RedisLink, 'isUp' | 'logEvent' | 'countEvents' | 'del'> | null;
}

export interface IssuedSession {
  token: string;
  sessionId: string;
  expiresAt: Date;
}

export interface SessionSubject {
  sessionId: string;
  subjectType: SubjectType;
  subjectId: string;
}

const TOKEN_PREFIX: Record<SubjectType, string> = { customer: 'bzc_', staff: 'bzs_' };

export async function issueSession(
  deps: AuthDeps,
  db: Kysely<Database>,
  subject: { subjectType: SubjectType; subjectId: string; ip?: string | null; userAgent?: string | null },
): Promise<IssuedSession> {
  const hours = subject.subjectType === 'staff' ? deps.config.staffSessionTtlHours : deps.config.customerSessionTtlHours;
  const token = newToken(TOKEN_PREFIX[subject.subjectType]);
  const sessionId = newId('ses');
  const expiresAt = new Date(Date.now() + hours * 3_600_000);
  await db
    .insertInto('authSession')
    .values({
      id: sessionId,
      tokenHash: hashToken(token),
      subjectType: subject.subjectType,
      subjectId: subject.subjectId,
      expiresAt,
      revokedAt: null,
      ip: subject.ip ?? null,
      userAgent: subject.userAgent ?? null,
    })
    .execute();
  return { token, sessionId, expiresAt };
}

export async function resolveSession(deps: AuthDeps, token: string): Promise<SessionSubject | null> {
  if (token.length > 128) return null;
  const row = await deps.db
    .selectFrom('authSession')
    .select(['id', 'subjectType', 'subjectId'])
    .where('tokenHash', '=', hashToken(token))
    .where('revokedAt', 'is', null)
    .where('expiresAt', '>', sql<Date>`now()`)
    .executeTakeFirst();
  return row ? { sessionId: row.id, subjectType: row.subjectType, subjectId: row.subjectId } : null;
}

export async function revokeSession(deps: AuthDeps, sessionId: string): Promise<void> {
  await deps.db.updateTable('authSession').set({ revokedAt: sql`now()` }).where('id', '=', sessionId).where('revokedAt', 'is', null).execute();
}

export async function revokeSubjectSessions(
  db: Kysely<Database>,
  subjectType: SubjectType,
  subjectId: string,
  exceptSessionId?: string,
): Promise<number> {
  let q = db
    .updateTable('authSession')
    .set({ revokedAt: sql`now()` })
    .where('subjectType', '=', subjectType)
    .where('subjectId', '=', subjectId)
    .where('revokedAt', 'is', null);
  if (exceptSessionId) q = q.where('id', '<>', exceptSessionId);
  const res = await q.executeTakeFirst();
  return Number(res.numUpdatedRows);
}

function throttleKeys(scope: SubjectType, email: string, ip: string): { emailKey: string; ipKey: string } {
  return { emailKey: `${scope}:email:${email}`, ipKey: `ip:${ip}` };
}

/** Failures per key within the window and the oldest one's time, from Redis when up, else PostgreSQL. */
async function recentFailures(deps: AuthDeps, keys: [string, string]): Promise<Map<string, { n: number; oldest: number }>> {
  const windowMs = deps.config.throttle.windowMinutes * 60_000;
  const out = new Map<string, { n: number; oldest: number }>();
  if (deps.redis?.isUp()) {
    try {
      const counts = await deps.redis.countEvents(keys.map((k) => `auth:fail:${k}`), windowMs);
      counts.forEach((c, i) => {
        if (c.count > 0) out.set(keys[i]!, { n: c.count, oldest: c.oldestMs ?? Date.now() });
      });
      return out;
    } catch {
      // Redis failed mid-call: PostgreSQL still has the failures recorded while it was away.
    }
  }
  const rows = await deps.db
    .selectFrom('authLoginFailure')
    .select(['key', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.min('occurredAt').as('oldest')])
    .where('key', 'in', keys)
    .where('occurredAt', '>', sql<Date>`now() - make_interval(mins => ${deps.config.throttle.windowMinutes})`)
    .groupBy('key')
    .execute();
  for (const row of rows) out.set(row.key, { n: Number(row.n), oldest: new Date(row.oldest).getTime() });
  return out;
}

export async function assertNotThrottled(deps: AuthDeps, scope: SubjectType, email: string, ip: string): Promise<void> {
  const { windowMinutes, maxPerEmail, maxPerIp } = deps.config.throttle;
  const { emailKey, ipKey } = throttleKeys(scope, email, ip);
  for (const [key, row] of await recentFailures(deps, [emailKey, ipKey])) {
    const limit = key === emailKey ? maxPerEmail : maxPerIp;
    if (row.n >= limit) {
      const retryAfter = Math.max(1, Math.ceil((row.oldest + windowMinutes * 60_000 - Date.now()) / 1000));
      throw authError('AUTH_THROTTLED', {
        detail: `Too many failed attempts; try again in ${retryAfter} seconds`,
        headers: { 'retry-after': String(retryAfter) },
      });
    }
  }
}

export async function recordLoginFailure(deps: AuthDeps, scope: SubjectType, email: string, ip: string): Promise<void> {
  const { emailKey, ipKey } = throttleKeys(scope, email, ip);
  const { windowMinutes, maxPerEmail, maxPerIp } = deps.config.throttle;
  if (deps.redis?.isUp()) {
    try {
      await deps.redis.logEvent([`auth:fail:${emailKey}`, `auth:fail:${ipKey}`], [maxPerEmail, maxPerIp], windowMinutes * 60_000);
      return;
    } catch {
      // Counted in PostgreSQL instead.
    }
  }
  await deps.db.insertInto('authLoginFailure').values([{ key: emailKey }, { key: ipKey }]).execute();
  // Keep the table small: rows outside any window no longer count.
  await deps.db
    .deleteFrom('authLoginFailure')
    .where('key', 'in', [emailKey, ipKey])
    .where('occurredAt', '<', sql<Date>`now() - make_interval(mins => ${windowMinutes})`)
    .execute();
}

export async function clearLoginFailures(deps: AuthDeps, scope: SubjectType, email: string): Promise<void> {
  const { emailKey } = throttleKeys(scope, email, '');
  if (deps.redis?.isUp()) await deps.redis.del([`auth:fail:${emailKey}`]).catch(() => undefined);
  // Failures recorded while Redis was away live here.
  await deps.db.deleteFrom('authLoginFailure').where('key', '=', emailKey).execute();
}
