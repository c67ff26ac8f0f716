import type { Generated } from 'kysely';

/** Table `inventory_location`: where stock is kept. Exactly one is the default (partial unique index). */
export interface InventoryLocationTable {
  id: string;
  code: string;
  name: string;
  isDefault: Generated<boolean>;
  createdAt: Generated<Date>;
}

/** Table `inventory_item`: one row per stocked SKU; the catalog creates it through `ensureItems`. */
export interface InventoryItemTable {
  sku: string;
  variantId: string | null;
  allowBackorder: Generated<boolean>;
  lowStockThreshold: Generated<number>;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

/**
 * Table `inventory_level`: stock of one SKU at one location. `on_hand >= 0` and `reserved >= 0`
 * are CHECKs; `reserved <= on_hand` holds for non-backorder items through the guarded updates
 * (it is a cross-table rule: the backorder flag lives on the item).
 */
export interface InventoryLevelTable {
  sku: string;
  locationId: string;
  onHand: Generated<number>;
  reserved: Generated<number>;
  updatedAt: Generated<Date>;
}

export type MovementKind = 'set' | 'adjust' | 'reserve' | 'release' | 'commit' | 'import' | 'restock';

/** Table `inventory_movement`: the append-only stock ledger, one row per level change. */
export interface InventoryMovementTable {
  id: string;
  sku: string;
  locationId: string;
  kind: MovementKind;
  deltaOnHand: number;
  deltaReserved: number;
  onHandAfter: number;
  reservedAfter: number;
  reason: string | null;
  reference: string | null;
  actorId: string | null;
  createdAt: Generated<Date>;
}

export type ReservationStatus = 'active' | 'released' | 'committed';

/** Table `inventory_reservation`: a hold on stock for an order or cart (`reference`). */
export interface InventoryReservationTable {
  id: string;
  reference: string | null;
  status: ReservationStatus;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

/** Table `inventory_reservation_line`: how much of a SKU a reservation holds at one location. */
export interface InventoryReservationLineTable {
  reservationId: string;
  sku: string;
  locationId: string;
  quantity: number;
}

/**
 * View `inventory_sku_availability`: totals per SKU over all locations. Read-only; the public
 * SQL contract other modules may join (see README.md).
 */
export interface InventorySkuAvailabilityView {
  sku: string;
  onHand: number;
  reserved: number;
  available: number;
  allowBackorder: boolean;
  lowStockThreshold: number;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    inventoryLocation: InventoryLocationTable;
    inventoryItem: InventoryItemTable;
    inventoryLevel: InventoryLevelTable;
    inventoryMovement: InventoryMovementTable;
    inventoryReservation: InventoryReservationTable;
    inventoryReservationLine: InventoryReservationLineTable;
    inventorySkuAvailability: InventorySkuAvailabilityView;
  }
}
