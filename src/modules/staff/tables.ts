import type { Generated } from 'kysely';
import type { Role } from './roles.js';

/** Table `staff_user`: people who run the shop through `/admin`. */
export interface StaffUserTable {
  id: string;
  email: string;
  passwordHash: string;
  name: string;
  role: Role;
  active: boolean;
  lastLoginAt: Date | null;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    staffUser: StaffUserTable;
  }
}
