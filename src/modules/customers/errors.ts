import { defineErrors } from '../../platform/errors.js';

export const customerError = defineErrors({
  USER_EMAIL_TAKEN: [409, 'Email already registered'],
  USER_NOT_FOUND: [404, 'Customer not found'],
  USER_CURRENT_PASSWORD_INCORRECT: [400, 'Current password is incorrect'],
  USER_RESET_TOKEN_INVALID: [400, 'Password reset token is invalid, used or expired'],
  ADDRESS_NOT_FOUND: [404, 'Address not found'],
  ADDRESS_LIMIT_REACHED: [409, 'Address book is full'],
});
