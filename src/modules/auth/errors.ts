import { defineErrors } from '../../platform/errors.js';

export const authError = defineErrors({
  AUTH_INVALID_CREDENTIALS: [401, 'Invalid email or password'],
  AUTH_THROTTLED: [429, 'Too many failed sign-in attempts'],
});
