import type { Kysely } from 'kysely';
import type { Database, Tx } from '../../platform/db/index.js';
import { withTransaction } from '../../platform/db/index.js';
import * as items from './items.js';
import * as locations from './locations.js';
import * as movements from './movements.js';
import * as reservations from './reservations.js';
import type { CreateLocationBody, StockSummary, UpdateItemBody } from './schemas.js';
import * as stock from './stock.js';
import { restock, type RestockLine } from './restock.js';
import { mergeReservation, transferReservation } from './transfer.js';

export { inventoryMigrations, DEFAULT_LOCATION_ID } from './migrations.js';
export { inventoryRoutes } from './routes.js';
export { inventoryError } from './errors.js';
export {
  CreateLocationBody,
  LocationSchema,
  LocationStockSchema,
  MovementSchema,
  SetStockBody,
  StockSummarySchema,
  UpdateItemBody,
  type Location,
  type Movement,
  type StockSummary,
} from './schemas.js';
export type { Availability, SetStockInput } from './stock.js';
export type { EnsureItem } from './items.js';
export type { RestockLine } from './restock.js';
export type { Reservation, ReserveLine, ReserveResult, Shortage } from './reservations.js';
export type { InventorySkuAvailabilityView, MovementKind, ReservationStatus } from './tables.js';

/**
 * Stock per SKU per location: items, levels, the movement ledger, reservations and locations.
 * Keyed by SKU (text); it never imports the catalog. Functions that take `trx` join the caller's
 * transaction; functions that take `db` accept the root handle or a transaction.
 */
export function createInventoryModule(deps: { db: Kysely<Database> }) {
  return {
    /**
     * Runs `fn` in a transaction on the module's database (or joins `deps.db` when it already is
     * one), with `withTransaction`'s deadlock retries. For callers without their own handle —
     * the admin routes pair a stock write with its audit entry this way.
     */
    transaction: <T>(fn: (trx: Tx) => Promise<T>): Promise<T> => withTransaction(deps.db, fn),

    /**
     * Creates the items that do not exist and updates the given fields of those that do
     * (`variantId`, `allowBackorder`, `lowStockThreshold`; absent fields are left alone, new
     * items get no backorder and a threshold of 5). Duplicate SKUs merge, later entries winning.
     * Called by the catalog inside its transaction when variants are created or changed.
     * Throws 400 `INVENTORY_INVALID_INPUT` for an empty or over-long SKU or a negative threshold.
     */
    ensureItems: (trx: Tx, list: readonly items.EnsureItem[]): Promise<void> => items.ensureItems(trx, list),

    /**
     * Moves an item to a new SKU with its levels, ledger and reservation lines. Same SKU is a
     * no-op. Throws 404 `INVENTORY_ITEM_NOT_FOUND`, 409 `INVENTORY_SKU_TAKEN`,
     * 400 `INVENTORY_INVALID_INPUT` (new SKU empty or over 100 characters).
     */
    renameSku: (trx: Tx, oldSku: string, newSku: string): Promise<void> => items.renameSku(trx, oldSku, newSku),

    /**
     * Deletes items and their levels (the ledger and past reservations stay). Unknown SKUs are
     * ignored. Throws 409 `INVENTORY_ITEM_RESERVED`, removing nothing, while an active
     * reservation holds any of them: release or commit it first.
     */
    removeItems: (trx: Tx, skus: readonly string[]): Promise<void> => items.removeItems(trx, skus),

    /**
     * Totals per SKU over all locations, in one query on the `inventory_sku_availability` view.
     * SKUs without an item are absent from the map. `available` may be negative for a backorder
     * item that reserved beyond its stock.
     */
    availability: (db: Kysely<Database>, skus: readonly string[]): Promise<Map<string, stock.Availability>> => stock.availability(db, skus),

    /**
     * Reserves every line or none. Duplicate SKUs are summed. Each SKU takes from the default
     * location first, then the others by most available, split over several if needed; a
     * backorder item reserves what stock cannot cover on the default location (its `reserved`
     * then exceeds `on_hand`). Rows are locked in a fixed order (items, then levels by sku and
     * location) and each level is changed by a guarded UPDATE, so concurrent reservations never
     * oversell. Returns `{ ok: false, shortages }` (having written nothing) when any line lacks
     * stock; an unknown SKU is a shortage with `available: 0`. Writes a `reserve` movement per
     * level with `reference` = the reservation id; `reference` here (an order or cart id) is kept
     * on the reservation. Throws 400 `INVENTORY_INVALID_INPUT` for no lines or a quantity that is
     * not a positive integer.
     *
     * @example
     * const r = await inventory.reserve(trx, [{ sku: 'TEE-M', quantity: 2 }], order.id);
     * if (!r.ok) throw orderError('ORDER_OUT_OF_STOCK', { detail: r.shortages.map((s) => s.sku).join(', ') });
     */
    reserve: (trx: Tx, lines: readonly reservations.ReserveLine[], reference?: string | null): Promise<reservations.ReserveResult> =>
      reservations.reserve(trx, lines, reference),

    /**
     * Gives a reservation's units back (`reserved` − quantity per line) and marks it released,
     * with a `release` movement per level. Throws 404 `INVENTORY_RESERVATION_NOT_FOUND`, and
     * 409 `INVENTORY_RESERVATION_NOT_ACTIVE` when it is already released or committed (so a
     * repeated call changes nothing and says so).
     */
    release: (trx: Tx, reservationId: string): Promise<void> => reservations.release(trx, reservationId),

    /**
     * Turns a reservation into a sale: `on_hand` and `reserved` − quantity per line, marks it
     * committed, a `commit` movement per level. Call it when the goods leave (or are certain to
     * leave) stock. Throws 404 `INVENTORY_RESERVATION_NOT_FOUND`, 409
     * `INVENTORY_RESERVATION_NOT_ACTIVE` (already released or committed), and 409
     * `INVENTORY_INSUFFICIENT_STOCK` — changing nothing — while backordered units have not
     * arrived (on hand below the line's quantity); the reservation stays active.
     */
    commit: (trx: Tx, reservationId: string): Promise<void> => reservations.commit(trx, reservationId),

    /**
     * Puts sold units back on hand (cancelled paid orders, received returns) at the given location
     * or the default one, with a `restock` movement carrying `reference` and `reason`. SKUs whose
     * item no longer exists are skipped. Throws 400 INVENTORY_INVALID_INPUT, 404
     * INVENTORY_LOCATION_NOT_FOUND.
     */
    restock: (trx: Tx, lines: readonly RestockLine[], reference: string, reason: string): Promise<void> => restock(trx, lines, reference, reason),

    /**
     * Moves `lines` from the active reservation `fromId` into a new active reservation (returned;
     * `reservationId` presets its id) with `reference`. Levels' `reserved` is unchanged and no
     * level row is locked, so a flash sale's pool hands units to orders without touching the hot
     * stock row. Throws 404 `INVENTORY_RESERVATION_NOT_FOUND`, 409
     * `INVENTORY_RESERVATION_NOT_ACTIVE`, 409 `INVENTORY_INSUFFICIENT_STOCK` (the pool holds fewer).
     */
    transferReservation: (trx: Tx, fromId: string, lines: readonly reservations.ReserveLine[], reference: string, reservationId?: string): Promise<string> =>
      transferReservation(trx, fromId, lines, reference, reservationId),

    /**
     * Moves every unit of the active reservation `fromId` back into the active reservation
     * `intoId` (an unpaid flash order's units back to the sale) and marks `fromId` released.
     * Levels are unchanged. Throws 404 / 409 like `release`.
     */
    mergeReservation: (trx: Tx, fromId: string, intoId: string): Promise<void> => mergeReservation(trx, fromId, intoId),

    /** A reservation with its lines (location codes). Throws 404 `INVENTORY_RESERVATION_NOT_FOUND`. */
    getReservation: (db: Kysely<Database>, reservationId: string): Promise<reservations.Reservation> => reservations.getReservation(db, reservationId),

    /**
     * Sets (`onHand`, a count) or changes (`delta` with a `reason`) the quantity on hand of a SKU
     * at a location (default: the default location), creating the level if needed, in one
     * guarded UPDATE, and records a `set` or `adjust` movement (`import` when `kind: 'import'`)
     * with `actorId` and `reason` (optional with `onHand`). Returns the item's
     * stock summary. Throws 400 `INVENTORY_INVALID_INPUT` (not exactly one of onHand/delta, a
     * negative onHand, a zero delta, a delta without reason), 404 `INVENTORY_ITEM_NOT_FOUND`,
     * 404 `INVENTORY_LOCATION_NOT_FOUND`, 409 `INVENTORY_INVALID_ADJUSTMENT` when on hand would
     * go below zero or — for a non-backorder item, on a decrease — below what is reserved there.
     */
    setStock: (db: Kysely<Database>, input: stock.SetStockInput): Promise<StockSummary> => stock.setStock(db, input),

    /** Totals and per-location levels of a SKU (default location first). Throws 404 `INVENTORY_ITEM_NOT_FOUND`. */
    getStock: (db: Kysely<Database>, sku: string): Promise<StockSummary> => stock.getStock(db, sku),

    /**
     * Changes `allowBackorder` and/or `lowStockThreshold`; returns the stock summary. Turning
     * backorder off keeps existing over-reservations (they still need stock to commit).
     * Throws 404 `INVENTORY_ITEM_NOT_FOUND`, 400 `INVENTORY_INVALID_INPUT`.
     */
    updateItem: (db: Kysely<Database>, sku: string, input: UpdateItemBody): Promise<StockSummary> => items.updateItem(db, sku, input),

    /**
     * A SKU's ledger, newest first, as `{ items, nextCursor }` pages. Throws 400
     * `PAGINATION_INVALID_CURSOR`, and 404 `INVENTORY_ITEM_NOT_FOUND` when the SKU has neither an
     * item nor any movement (a removed item's history stays readable).
     */
    listMovements: (db: Kysely<Database>, sku: string, page: { limit: number; cursor?: string }) => movements.listMovements(db, sku, page),

    /** Every location, the default first. */
    listLocations: () => locations.listLocations(deps.db),

    /**
     * Adds a location; `isDefault: true` moves the default flag to it. Pass `db` to run inside a
     * transaction of yours. Throws 409 `INVENTORY_LOCATION_CODE_TAKEN`, 400
     * `INVENTORY_INVALID_INPUT` (bad code or empty name).
     */
    createLocation: (input: CreateLocationBody, db: Kysely<Database> = deps.db) => locations.createLocation(db, input),
  };
}

export type Inventory = ReturnType<typeof createInventoryModule>;
