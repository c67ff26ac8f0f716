import type { Generated } from 'kysely';

/** Table `customer`: shopper accounts. `email` is stored normalised (trimmed, lower-case). */
export interface CustomerTable {
  id: string;
  email: string;
  passwordHash: string;
  name: string | null;
  locale: string | null;
  phone: string | null;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

/** Table `customer_address`: a customer's address book; at most one default shipping address. */
export interface CustomerAddressTable {
  id: string;
  customerId: string;
  name: string;
  phone: string | null;
  country: string;
  province: string | null;
  city: string;
  district: string | null;
  line1: string;
  line2: string | null;
  postalCode: string | null;
  isDefaultShipping: boolean;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

/** Table `customer_password_reset`: single-use reset tokens (SHA-256 only). */
export interface CustomerPasswordResetTable {
  id: string;
  customerId: string;
  tokenHash: string;
  expiresAt: Date;
  usedAt: Date | null;
  createdAt: Generated<Date>;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    customer: CustomerTable;
    customerAddress: CustomerAddressTable;
    customerPasswordReset: CustomerPasswordResetTable;
  }
}
