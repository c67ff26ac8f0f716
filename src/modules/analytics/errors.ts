import { defineErrors } from '../../platform/errors.js';

export const analyticsError = defineErrors({
  ANALYTICS_INVALID_RANGE: [400, 'Invalid date range'],
  ANALYTICS_RANGE_TOO_LARGE: [400, 'Date range too large for this granularity'],
  ANALYTICS_UNKNOWN_CURRENCY: [400, 'Unknown reporting currency'],
  ANALYTICS_NO_EXCHANGE_RATE: [400, 'No exchange rate for the reporting currency'],
});
