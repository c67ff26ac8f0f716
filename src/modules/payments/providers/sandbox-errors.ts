import { defineErrors } from '../../../platform/errors.js';

/** Errors of the sandbox gateway's payer routes. */
export const sandboxError = defineErrors({
  SANDBOX_CHARGE_NOT_FOUND: [404, 'Sandbox charge not found'],
  SANDBOX_CHARGE_FINAL: [409, 'Sandbox charge already has a result'],
});
