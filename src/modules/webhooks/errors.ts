import { defineErrors } from '../../platform/errors.js';

export const webhookError = defineErrors({
  WEBHOOK_INVALID_URL: [400, 'Invalid webhook URL'],
  WEBHOOK_UNKNOWN_EVENT: [400, 'Unknown event name'],
  WEBHOOK_NOT_FOUND: [404, 'Webhook endpoint not found'],
  WEBHOOK_DELIVERY_NOT_FOUND: [404, 'Webhook delivery not found'],
});
