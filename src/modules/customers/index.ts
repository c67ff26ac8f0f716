import * as account from './account.js';
import type { Client, CustomerDeps } from './account.js';
import * as addresses from './addresses.js';
import * as admin from './admin.js';
import type { CreateAddressBody, CustomerSearchQuery, LoginBody, RegisterBody, UpdateAddressBody, UpdateMeBody } from './schemas.js';

export { customerMigrations } from './migrations.js';
export { customerStoreRoutes, customerAdminRoutes } from './routes.js';
export { CustomerSchema, AddressSchema } from './schemas.js';
export type { Customer, Address } from './schemas.js';
export { customerError } from './errors.js';

/**
 * Customer accounts: registration, sign-in, profile, password reset and address book.
 * Sessions and throttling come from the auth module; mail goes through the outbox.
 */
export function createCustomersModule(deps: CustomerDeps) {
  return {
    /** Creates an account and signs it in. Throws 409 `USER_EMAIL_TAKEN`. */
    register: (input: RegisterBody, client: Client) => account.register(deps, input, client),
    /**
     * Signs in. Throws 401 `AUTH_INVALID_CREDENTIALS` for an unknown email and a wrong password
     * alike, and 429 `AUTH_THROTTLED` after too many recent failures for the email or IP.
     */
    login: (input: LoginBody, client: Client) => account.login(deps, input, client),
    /** Revokes the session. */
    logout: (sessionId: string) => deps.auth.revokeSession(sessionId),
    /** The customer's profile. Throws 404 `USER_NOT_FOUND`. */
    get: (customerId: string) => account.getCustomer(deps.db, customerId),
    /** Updates name, locale or phone (null clears). */
    updateMe: (customerId: string, input: UpdateMeBody) => account.updateMe(deps, customerId, input),
    /** Changes the password after checking the current one; revokes the other sessions. */
    changePassword: (principal: { customerId: string; sessionId: string }, input: { currentPassword: string; newPassword: string }, client: Client) =>
      account.changePassword(deps, principal, input, client),
    /** Queues a reset email when the account exists; silent otherwise (no enumeration). */
    requestPasswordReset: (email: string) => account.requestPasswordReset(deps, email),
    /** Uses a reset token once. Throws 400 `USER_RESET_TOKEN_INVALID`. */
    confirmPasswordReset: (token: string, password: string) => account.confirmPasswordReset(deps, token, password),
    listAddresses: (customerId: string) => addresses.listAddresses(deps.db, customerId),
    /** Throws 409 `ADDRESS_LIMIT_REACHED` past the limit. The first address becomes the default. */
    createAddress: (customerId: string, input: CreateAddressBody) => addresses.createAddress(deps.db, customerId, input),
    /** Throws 404 `ADDRESS_NOT_FOUND` for a missing or another customer's address. */
    updateAddress: (customerId: string, id: string, input: UpdateAddressBody) => addresses.updateAddress(deps.db, customerId, id, input),
    /** Throws 404 `ADDRESS_NOT_FOUND` for a missing or another customer's address. */
    deleteAddress: (customerId: string, id: string) => addresses.deleteAddress(deps.db, customerId, id),
    /**
     * Deletes the account (profile, addresses, sessions) and publishes `customer.deleted` in the
     * same transaction; orders keep their own copies. The customer confirms with their password
     * (400 USER_CURRENT_PASSWORD_INCORRECT, throttled like sign-in); staff deletions are audited.
     * Throws 404 USER_NOT_FOUND.
     */
    deleteAccount: (customerId: string, by: account.Deleter) => account.deleteAccount(deps, customerId, by),
    /** Staff search by email or name, newest first. */
    search: (query: CustomerSearchQuery) => admin.searchCustomers(deps.db, query),
    /** Staff view of one customer. Throws 404 `USER_NOT_FOUND`. */
    getDetail: (id: string) => admin.getCustomerDetail(deps.db, id),
  };
}

export type Customers = ReturnType<typeof createCustomersModule>;
