import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import type { Audit } from '../audit/index.js';

/** What the promotions module needs from the rest of the system. */
export interface PromotionDeps {
  db: Kysely<Database>;
  audit: Audit;
  /** Currencies the shop sells in (promotion and campaign currencies must be among them). */
  currencies: readonly string[];
  /**
   * True when the customer has placed an order (the orders module's, wired by the app), for the
   * `first_order` condition. Must read through `db`: it runs inside checkout's transaction.
   * Without it, `first_order` never holds.
   */
  hasPlacedOrder?: (db: Kysely<Database>, customerId: string) => Promise<boolean>;
  /** The clock (tests). */
  now?: () => Date;
}

/** Who performs an admin write, for the audit log. */
export interface Actor {
  staffId: string;
  ip: string;
}
