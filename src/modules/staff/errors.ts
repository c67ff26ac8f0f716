import { defineErrors } from '../../platform/errors.js';

export const staffError = defineErrors({
  STAFF_NOT_FOUND: [404, 'Staff member not found'],
  STAFF_EMAIL_TAKEN: [409, 'A staff member with this email exists'],
  STAFF_OWNER_REQUIRED: [403, 'Only an owner may do this'],
  STAFF_LAST_OWNER: [409, 'The shop must keep at least one active owner'],
  STAFF_SELF_LOCKOUT: [409, 'You cannot deactivate or demote yourself'],
});
