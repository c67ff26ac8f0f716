import { defineErrors } from '../../platform/errors.js';

/** Error codes of the search module, with their HTTP status. */
export const searchError = defineErrors({
  SEARCH_INVALID_QUERY: [400, 'Invalid search query'],
  SEARCH_INVALID_CURSOR: [400, 'Invalid search cursor'],
  SEARCH_INVALID_ATTRIBUTE: [400, 'Invalid attribute filter'],
  SEARCH_INVALID_PRICE_RANGE: [400, 'Invalid price range'],
  SEARCH_UNKNOWN_CURRENCY: [400, 'Currency not offered'],
  SEARCH_UNKNOWN_LOCALE: [400, 'Locale not served'],
});
