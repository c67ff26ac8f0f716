import type { Generated } from 'kysely';

export type FlashSaleStatus = 'scheduled' | 'live' | 'ended' | 'cancelled';

/** Table `flash_sale`: one SKU sold at `price` (minor units of `currency`) for a time, up to `quantity` units. */
export interface FlashSaleTable {
  id: string;
  sku: string;
  currency: string;
  price: number;
  quantity: number;
  /** Units held by active (unpaid or paid) purchases; `sold <= quantity` is a CHECK. */
  sold: Generated<number>;
  startsAt: Date;
  endsAt: Date;
  perCustomerLimit: number;
  status: FlashSaleStatus;
  /** The inventory reservation holding the unsold units while live. */
  reservationId: string | null;
  campaignId: string | null;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

/** Table `flash_sale_purchase`: one order placed in a sale; `released` once its units went back. */
export interface FlashSalePurchaseTable {
  id: string;
  saleId: string;
  customerId: string;
  orderId: string;
  quantity: number;
  status: 'active' | 'released';
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

/** Table `flash_sale_customer`: units a customer holds in a sale (the per-customer limit's guarded counter). */
export interface FlashSaleCustomerTable {
  saleId: string;
  customerId: string;
  purchased: number;
}

/** Table `flash_sale_rate`: fixed-window request counters of the PostgreSQL rate limiter. */
export interface FlashSaleRateTable {
  key: string;
  windowStart: number;
  hits: number;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    flashSale: FlashSaleTable;
    flashSalePurchase: FlashSalePurchaseTable;
    flashSaleCustomer: FlashSaleCustomerTable;
    flashSaleRate: FlashSaleRateTable;
  }
}
