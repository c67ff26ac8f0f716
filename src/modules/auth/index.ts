import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import * as service from './service.js';
import type { AuthDeps } from './service.js';
import type { SubjectType } from './tables.js';

export { authMigrations } from './migrations.js';
export { authError } from './errors.js';
export type { IssuedSession, SessionSubject } from './service.js';
export type { SubjectType } from './tables.js';

/**
 * Sessions and sign-in throttling for customers and staff. Tokens are opaque random strings;
 * only their SHA-256 is stored, so a database leak does not leak usable tokens, and any number
 * of API processes share them.
 */
export function createAuthModule(deps: AuthDeps) {
  return {
    /**
     * Issues a bearer token for a subject. Pass `trx` to make the session part of a larger
     * write (registration). The token is returned once and never stored in clear.
     */
    issueSession: (
      db: Kysely<Database>,
      subject: { subjectType: SubjectType; subjectId: string; ip?: string | null; userAgent?: string | null },
    ) => service.issueSession(deps, db, subject),
    /** The live session for a token, or null if unknown, revoked or expired. */
    resolveSession: (token: string) => service.resolveSession(deps, token),
    /** Revokes one session (logout). Revoking twice is harmless. */
    revokeSession: (sessionId: string) => service.revokeSession(deps, sessionId),
    /** Revokes every session of a subject except `exceptSessionId` (password change, disabling). */
    revokeSubjectSessions: (db: Kysely<Database>, subjectType: SubjectType, subjectId: string, exceptSessionId?: string) =>
      service.revokeSubjectSessions(db, subjectType, subjectId, exceptSessionId),
    /** Throws 429 `AUTH_THROTTLED` (with Retry-After) when the email or IP has too many recent failures. */
    assertNotThrottled: (scope: SubjectType, email: string, ip: string) => service.assertNotThrottled(deps, scope, email, ip),
    /** Counts a failed sign-in against both the email and the IP. */
    recordLoginFailure: (scope: SubjectType, email: string, ip: string) => service.recordLoginFailure(deps, scope, email, ip),
    /** Forgets an email's failures after a successful sign-in. */
    clearLoginFailures: (scope: SubjectType, email: string) => service.clearLoginFailures(deps, scope, email),
  };
}

export type Auth = ReturnType<typeof createAuthModule>;
