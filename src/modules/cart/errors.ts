import { defineErrors } from '../../platform/errors.js';

/** Error codes of carts (`CART_`), shipping methods (`SHIPPING_`) and tax rates (`TAX_`). */
export const cartError = defineErrors({
  CART_NOT_FOUND: [404, 'Cart not found'],
  CART_ITEM_NOT_FOUND: [404, 'Cart item not found'],
  CART_NOT_ACTIVE: [409, 'Cart is no longer active'],
  CART_UNKNOWN_CURRENCY: [400, 'The shop does not sell in this currency'],
  CART_UNKNOWN_LOCALE: [400, 'The shop does not serve this locale'],
  CART_SKU_NOT_FOUND: [400, 'Unknown SKU'],
  CART_ITEM_UNAVAILABLE: [409, 'Product is not for sale'],
  CART_PRICE_UNAVAILABLE: [409, 'Product is not sold in the cart currency'],
  CART_INSUFFICIENT_STOCK: [409, 'Not enough stock'],
  CART_QUANTITY_LIMIT: [409, 'Quantity per line exceeds the limit'],
  CART_LINE_LIMIT: [409, 'Cart has too many lines'],
  CART_SHIPPING_METHOD_NOT_FOUND: [400, 'Unknown shipping method'],
  CART_SHIPPING_METHOD_UNAVAILABLE: [409, 'Shipping method does not apply to this cart'],
  CART_ADDRESS_NOT_FOUND: [400, 'No such saved address'],
  CART_COUPON_NOT_IN_CART: [404, 'The cart does not hold this code'],
  CART_COUPONS_UNAVAILABLE: [409, 'Coupon codes are not accepted'],
  SHIPPING_METHOD_NOT_FOUND: [404, 'Shipping method not found'],
  SHIPPING_METHOD_INVALID: [400, 'Invalid shipping method'],
  TAX_RATE_NOT_FOUND: [404, 'Tax rate not found'],
  TAX_RATE_EXISTS: [409, 'A tax rate for this country and region exists'],
});
