import type { Generated } from 'kysely';

export type SubjectType = 'customer' | 'staff';

/** Table `auth_session`: one row per issued bearer token (only its SHA-256 is stored). */
export interface AuthSessionTable {
  id: string;
  tokenHash: string;
  subjectType: SubjectType;
  subjectId: string;
  createdAt: Generated<Date>;
  expiresAt: Date;
  revokedAt: Date | null;
  ip: string | null;
  userAgent: string | null;
}

/** Table `auth_login_failure`: failed logins per key (`customer:email:…`, `ip:…`) for throttling. */
export interface AuthLoginFailureTable {
  id: Generated<number>;
  key: string;
  occurredAt: Generated<Date>;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    authSession: AuthSessionTable;
    authLoginFailure: AuthLoginFailureTable;
  }
}
