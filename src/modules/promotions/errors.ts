import { defineErrors } from '../../platform/errors.js';

/** Error codes of promotions (`PROMOTION_`), coupon codes (`COUPON_`) and campaigns (`CAMPAIGN_`). */
export const promotionError = defineErrors({
  PROMOTION_NOT_FOUND: [404, 'Promotion not found'],
  PROMOTION_INVALID: [400, 'Invalid promotion'],
  PROMOTION_CODE_TAKEN: [409, 'Another promotion uses this code'],
  PROMOTION_USAGE_LIMIT_REACHED: [409, 'The promotion has reached its usage limit'],
  PROMOTION_CUSTOMER_LIMIT_REACHED: [409, 'The customer has used this promotion as often as allowed'],
  COUPON_NOT_FOUND: [400, 'Unknown coupon code'],
  COUPON_NOT_ACTIVE: [409, 'The coupon is not active yet'],
  COUPON_EXPIRED: [409, 'The coupon has expired'],
  COUPON_USAGE_LIMIT_REACHED: [409, 'The coupon has reached its usage limit'],
  COUPON_CUSTOMER_LIMIT_REACHED: [409, 'You have used this coupon as often as allowed'],
  COUPON_NOT_APPLICABLE: [409, 'The coupon does not apply to this cart'],
  COUPON_LOGIN_REQUIRED: [409, 'Sign in to use this coupon'],
  COUPON_ONE_PER_ORDER: [409, 'Only one coupon can be used per order'],
  COUPON_NOT_CLAIMABLE: [409, 'This coupon cannot be claimed'],
  COUPON_ALREADY_CLAIMED: [409, 'You have already claimed this coupon'],
  COUPON_NOT_A_COUPON: [409, 'This promotion is automatic and has no codes'],
  CAMPAIGN_NOT_FOUND: [404, 'Campaign not found'],
  CAMPAIGN_INVALID: [400, 'Invalid campaign'],
  CAMPAIGN_BUDGET_EXHAUSTED: [409, 'The campaign budget is spent'],
});
