import type { Kysely, Selectable } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../../platform/config.js';
import type { Database, Tx } from '../../platform/db/index.js';
import type { Inventory } from '../inventory/index.js';
import type { DirectOrderInput, OrderView, Viewer } from '../orders/index.js';
import type { FlashRedis } from './redis.js';
import type { FlashSaleTable } from './tables.js';

export type SaleRow = Selectable<FlashSaleTable>;

/** What a sale needs to know about its SKU (from the catalog, read outside transactions). */
export interface SkuInfo {
  sku: string;
  productId: string;
  variantId: string;
  productHandle: string;
  title: string;
  variantTitle: string | null;
  image: string | null;
}

/** A SKU with its regular price as the catalog offers it in one currency. */
export interface SkuOffer extends SkuInfo {
  /** The regular price in minor units of that currency (own price, else converted); null when not sold in it. */
  unitPrice: number | null;
}

export interface FlashSaleDeps {
  db: Kysely<Database>;
  inventory: Inventory;
  orders: {
    placeDirectOrder(trx: Tx, input: DirectOrderInput): Promise<{ order: { id: string }; view: OrderView }>;
    get(orderId: string, viewer: Viewer): Promise<OrderView>;
  };
  catalog: { lookupSkus(db: Kysely<Database>, skus: readonly string[], currency: string, locale: string): Promise<Map<string, SkuOffer>> };
  customers: {
    get(customerId: string): Promise<{ email: string; locale?: string | null }>;
    listAddresses(customerId: string): Promise<{ isDefaultShipping: boolean; name: string; phone: string | null; line1: string; line2?: string | null; district?: string | null; city: string; province?: string | null; postalCode?: string | null; country: string }[]>;
  };
  /** Null: PostgreSQL alone. */
  redis: FlashRedis | null;
  config: Config['flashSales'];
  shop: { defaultCurrency: string; defaultLocale: string; currencies: string[] };
  log: Logger;
}
