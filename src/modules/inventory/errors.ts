import { defineErrors } from '../../platform/errors.js';

export const inventoryError = defineErrors({
  INVENTORY_INVALID_INPUT: [400, 'Invalid inventory request'],
  INVENTORY_ITEM_NOT_FOUND: [404, 'Inventory item not found'],
  INVENTORY_LOCATION_NOT_FOUND: [404, 'Inventory location not found'],
  INVENTORY_RESERVATION_NOT_FOUND: [404, 'Reservation not found'],
  INVENTORY_RESERVATION_NOT_ACTIVE: [409, 'Reservation is no longer active'],
  INVENTORY_INVALID_ADJUSTMENT: [409, 'Stock change would leave an invalid level'],
  INVENTORY_INSUFFICIENT_STOCK: [409, 'Not enough stock on hand'],
  INVENTORY_ITEM_RESERVED: [409, 'Item has active reservations'],
  INVENTORY_SKU_TAKEN: [409, 'SKU already has an inventory item'],
  INVENTORY_LOCATION_CODE_TAKEN: [409, 'Location code already in use'],
});
