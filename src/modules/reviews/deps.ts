import type { Kysely } from 'kysely';
import type { Database, Tx } from '../../platform/db/index.js';
import type { Audit } from '../audit/index.js';

/** An order line as the orders module hands it to reviews. */
export interface ReviewableLine {
  lineId: string;
  sku: string;
  productId: string;
  /** False while the order is not delivered or completed: its lines cannot be reviewed yet. */
  eligible: boolean;
}

/** A product's published rating, as the catalog stores it. `average` is 0 when `count` is 0. */
export interface RatingSummary {
  average: number;
  count: number;
}

/**
 * What the reviews module needs from the rest of the shop. Declared here, narrowly, so the module
 * depends on function shapes rather than on other modules' types; `app.ts` wires the real ones.
 */
export interface ReviewDeps {
  db: Kysely<Database>;
  audit: Pick<Audit, 'record'>;
  orders: {
    /**
     * The lines of the customer's order. Throws 404 `ORDER_NOT_FOUND` when the order does not
     * exist or belongs to someone else; each line says whether it can be reviewed yet.
     */
    reviewableLines(db: Kysely<Database>, orderId: string, customerId: string): Promise<readonly ReviewableLine[]>;
  };
  catalog: {
    /** Stores a product's published rating, inside the caller's transaction. */
    setRating(trx: Tx, productId: string, rating: RatingSummary): Promise<void>;
  };
  /** The published product with this handle, or null. */
  resolveProduct(handle: string): Promise<{ id: string } | null>;
}

/** A staff member acting through the admin API (for the audit log). */
export interface Actor {
  staffId: string;
  ip: string;
}
