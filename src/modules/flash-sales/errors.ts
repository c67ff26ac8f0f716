import { defineErrors } from '../../platform/errors.js';

export const flashSaleError = defineErrors({
  FLASH_SALE_INVALID: [400, 'Invalid flash sale'],
  FLASH_SALE_NOT_FOUND: [404, 'Flash sale not found'],
  FLASH_SALE_ALREADY_STARTED: [409, 'Flash sale has already started'],
  FLASH_SALE_NOT_ACTIVE: [409, 'Flash sale is not active'],
  FLASH_SALE_SOLD_OUT: [409, 'Flash sale is sold out'],
  FLASH_SALE_LIMIT_REACHED: [409, 'Per-customer limit reached'],
  FLASH_SALE_RATE_LIMITED: [429, 'Too many purchase attempts'],
});
