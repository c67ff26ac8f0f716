import { sql, type Kysely } from 'kysely';
import { withTransaction, type Database } from '../../platform/db/index.js';
import type { RecsEventType } from './tables.js';

/**
 * Demo behaviour for the demo shop: browsing sessions of shoppers with favourite categories, brand
 * leanings, popular "hero" products and complementary categories (phones then headphones), so
 * every recommendation route has something to learn from on a fresh start. Pure and seeded: the
 * same catalog, options and seed give the same events on every machine.
 */

const SECOND = 1000;
const DAY = 86_400_000;
const DEFAULT_SESSIONS = 1500;
const DEFAULT_DAYS = 30;
const DEFAULT_SEED = 20261127;
const INSERT_BATCH = 1000;

/** What the generator needs to know about a product. */
export interface DemoProduct {
  productId: string;
  /** The product's categories (leaf and ancestors, any order); the most specific one is used. */
  categoryIds: readonly string[];
  brand: string | null;
}

/** The event types the demo produces. */
export type DemoEventType = Extract<RecsEventType, 'view' | 'add_to_cart' | 'purchase'>;

/** One generated `recs_event` row: an anonymous storefront event (no customer, no order). */
export interface DemoEventRow {
  type: DemoEventType;
  productId: string;
  /** `demo-<n>`, numbered by session start (demo-1 is the oldest). */
  sessionId: string;
  customerId: null;
  /** 1 for views and cart adds; 1–2 units for purchases. */
  quantity: number;
  /** Storefront purchases carry no order: the trainer groups them by session as a basket. */
  orderId: null;
  occurredAt: Date;
}

/** Options of {@link generateDemoBehaviour} and {@link seedDemoBehaviour}. */
export interface DemoBehaviourOptions {
  /** Browsing sessions to generate (default 1,500, about 10–12k events). */
  sessions?: number;
  /** Sessions start over the `days` days before `now` (default 30). */
  days?: number;
  /** PRNG seed (default 20261127). */
  seed?: number;
  /** Every event occurs at or before this instant. */
  now: Date;
  /**
   * Category id → the category (or categories) shoppers of it also browse and buy from. Default:
   * the distinct most-specific category ids sorted, paired 1st with 2nd, 3rd with 4th, and so on,
   * both ways. {@link demoComplements} builds the demo catalog's own pairs from handles.
   */
  complements?: ReadonlyMap<string, string | readonly string[]>;
}

/** Complementary category pairs of the demo catalog (`src/modules/catalog/demo.ts`), by handle. */
export const DEMO_COMPLEMENT_HANDLES: readonly (readonly [from: string, to: string])[] = [
  ['phones', 'headphones'],
  ['headphones', 'phones'],
  ['laptops', 'headphones'],
  ['laptops', 'smart-home'],
  ['smart-home', 'laptops'],
  ['shoes', 'mens'],
  ['shoes', 'womens'],
  ['mens', 'shoes'],
  ['womens', 'shoes'],
  ['bedding', 'kitchen'],
  ['kitchen', 'bedding'],
  ['fitness', 'camping'],
  ['camping', 'fitness'],
  ['skincare', 'womens'],
];

/**
 * The demo catalog's complement map by category id, for `opts.complements`: the pairs of
 * {@link DEMO_COMPLEMENT_HANDLES} whose two handles are both in `categoryIdByHandle`.
 */
export function demoComplements(categoryIdByHandle: ReadonlyMap<string, string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [from, to] of DEMO_COMPLEMENT_HANDLES) {
    const a = categoryIdByHandle.get(from);
    const b = categoryIdByHandle.get(to);
    if (a === undefined || b === undefined) continue;
    const list = out.get(a) ?? [];
    list.push(b);
    out.set(a, list);
  }
  return out;
}

/** mulberry32: a tiny seeded PRNG returning floats in [0, 1). */
function createRandom(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Products of one most-specific category, with cumulative Zipf popularity for weighted picks. */
interface Shelf {
  categoryId: string;
  products: DemoProduct[];
  cumulative: number[];
  /** Per brand: indices into `products` and their cumulative popularity. */
  brands: Map<string, { indices: number[]; cumulative: number[] }>;
  complements: Shelf[];
}

interface Catalog {
  shelves: Shelf[];
  /** Cumulative product counts over `shelves`: a category's traffic follows its size. */
  shelfCumulative: number[];
  popularity: Map<string, number>;
}

function pickIndex(cumulative: readonly number[], rnd: () => number): number {
  const target = rnd() * cumulative[cumulative.length - 1]!;
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid]! > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function cumulate(weights: readonly number[]): number[] {
  let sum = 0;
  return weights.map((w) => (sum += w));
}

/** The category a product is filed under: the one with the fewest products (the most specific), ties by id. */
function leafCategory(product: DemoProduct, sizes: ReadonlyMap<string, number>): string {
  let best = '';
  for (const id of product.categoryIds) {
    if (best === '' || sizes.get(id)! < sizes.get(best)! || (sizes.get(id) === sizes.get(best) && id < best)) best = id;
  }
  return best;
}

function defaultComplements(categoryIds: readonly string[]): Map<string, string> {
  const sorted = categoryIds.filter((id) => id !== '').sort();
  const out = new Map<string, string>();
  for (let i = 0; i + 1 < sorted.length; i += 2) {
    out.set(sorted[i]!, sorted[i + 1]!);
    out.set(sorted[i + 1]!, sorted[i]!);
  }
  return out;
}

/**
 * Resolves the complement map onto shelves. A category whose products all sit on one shelf
 * stands for that shelf (a top-level category with a single subcategory, where either id may be
 * the one chosen as most specific).
 */
function linkComplements(shelves: Shelf[], complements: ReadonlyMap<string, string | readonly string[]>): void {
  const homes = new Map<string, Set<Shelf>>();
  for (const shelf of shelves) {
    for (const p of shelf.products) for (const id of p.categoryIds) homes.set(id, (homes.get(id) ?? new Set()).add(shelf));
  }
  const shelfOf = new Map<string, Shelf>();
  for (const [id, set] of homes) if (set.size === 1) shelfOf.set(id, [...set][0]!);
  for (const shelf of shelves) {
    const linked = new Set<Shelf>();
    for (const [id, home] of shelfOf) {
      if (home !== shelf) continue;
      const targets = complements.get(id);
      for (const target of typeof targets === 'string' ? [targets] : (targets ?? [])) {
        const other = shelfOf.get(target);
        if (other && other !== shelf) linked.add(other);
      }
    }
    shelf.complements = [...linked].sort((a, b) => (a.categoryId < b.categoryId ? -1 : 1));
  }
}

function buildCatalog(input: readonly DemoProduct[], opts: DemoBehaviourOptions, rnd: () => number): Catalog {
  const unique = [...new Map(input.map((p) => [p.productId, p])).values()].sort((a, b) => (a.productId < b.productId ? -1 : 1));
  const sizes = new Map<string, number>();
  for (const p of unique) for (const id of new Set(p.categoryIds)) sizes.set(id, (sizes.get(id) ?? 0) + 1);
  const grouped = new Map<string, DemoProduct[]>();
  for (const p of unique) {
    const leaf = leafCategory(p, sizes);
    const shelf = grouped.get(leaf);
    if (shelf) shelf.push(p);
    else grouped.set(leaf, [p]);
  }
  const popularity = new Map<string, number>();
  const shelves = [...grouped.keys()].sort().map((categoryId): Shelf => {
    const products = grouped.get(categoryId)!;
    // A seeded shuffle decides the popularity ranks, so the heroes are not simply the oldest ids.
    const ranks = products.map((_, i) => i);
    for (let i = ranks.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [ranks[i], ranks[j]] = [ranks[j]!, ranks[i]!];
    }
    const weights = ranks.map((rank) => 1 / Math.pow(rank + 1, 1.1));
    products.forEach((p, i) => popularity.set(p.productId, weights[i]!));
    const brands = new Map<string, { indices: number[]; cumulative: number[] }>();
    for (const brand of new Set(products.map((p) => p.brand))) {
      if (brand === null) continue;
      const indices = products.flatMap((p, i) => (p.brand === brand ? [i] : []));
      brands.set(brand, { indices, cumulative: cumulate(indices.map((i) => weights[i]!)) });
    }
    return { categoryId, products, cumulative: cumulate(weights), brands, complements: [] };
  });
  linkComplements(shelves, opts.complements ?? defaultComplements(shelves.map((s) => s.categoryId)));
  return { shelves, shelfCumulative: cumulate(shelves.map((s) => s.products.length)), popularity };
}

interface Persona {
  favourites: Shelf[];
  brand: string | null;
}

function pickShelf(catalog: Catalog, rnd: () => number): Shelf {
  return catalog.shelves[pickIndex(catalog.shelfCumulative, rnd)]!;
}

function pickProduct(shelf: Shelf, persona: Persona, rnd: () => number): string {
  const favoured = persona.brand === null ? undefined : shelf.brands.get(persona.brand);
  if (favoured && rnd() < 0.4) return shelf.products[favoured.indices[pickIndex(favoured.cumulative, rnd)]!]!.productId;
  return shelf.products[pickIndex(shelf.cumulative, rnd)]!.productId;
}

function createPersona(catalog: Catalog, rnd: () => number): Persona {
  const first = pickShelf(catalog, rnd);
  const favourites = [first];
  if (rnd() < 0.4) {
    const second = pickShelf(catalog, rnd);
    if (second !== first) favourites.push(second);
  }
  const brand = first.products[pickIndex(first.cumulative, rnd)]!.brand;
  return { favourites, brand };
}

/** A session's product views in order: mostly the favourites, often their complements, some wandering. */
function browse(catalog: Catalog, persona: Persona, buys: boolean, rnd: () => number): { views: string[]; complementViews: string[] } {
  const count = 2 + Math.floor(rnd() * 11);
  const views: string[] = [];
  const complementViews: string[] = [];
  let home = persona.favourites[0]!;
  for (let i = 0; i < count; i++) {
    const r = rnd();
    // A buyer of a category with complements looks at one right after the first product.
    const toComplement = home.complements.length > 0 && ((buys && i === 1) || (i > 0 && r < 0.3));
    if (toComplement) {
      const shelf = home.complements[Math.floor(rnd() * home.complements.length)]!;
      const product = pickProduct(shelf, persona, rnd);
      views.push(product);
      complementViews.push(product);
      continue;
    }
    if (i > 0 && r < 0.4 && persona.favourites.length > 1) home = persona.favourites[Math.floor(rnd() * persona.favourites.length)]!;
    if (i > 1 && r > 0.92) views.push(views[Math.floor(rnd() * views.length)]!);
    else if (i > 0 && r > 0.85) views.push(pickProduct(pickShelf(catalog, rnd), persona, rnd));
    else views.push(pickProduct(home, persona, rnd));
  }
  return { views, complementViews };
}

/** Weighted by popularity among `candidates`: shoppers buy the heroes more often. */
function pickPopular(candidates: readonly string[], catalog: Catalog, rnd: () => number): string {
  return candidates[pickIndex(cumulate(candidates.map((p) => catalog.popularity.get(p)!)), rnd)]!;
}

/** What the session puts in the cart (first) and buys (all of it, or nothing). */
function chooseBasket(views: readonly string[], complementViews: readonly string[], buys: boolean, catalog: Catalog, rnd: () => number): string[] {
  const distinct = [...new Set(views)];
  const basket = [pickPopular(distinct, catalog, rnd)];
  const size = buys ? 1 + Math.floor(rnd() * 3) : 1 + Math.floor(rnd() * 2);
  // Buyers take the complement they looked at with the main item: the learnable "bought together".
  const complement = complementViews.find((p) => !basket.includes(p));
  if (buys && complement !== undefined && rnd() < 0.85) basket.push(complement);
  while (basket.length < size) {
    const rest = distinct.filter((p) => !basket.includes(p));
    if (rest.length === 0) break;
    basket.push(pickPopular(rest, catalog, rnd));
  }
  return basket;
}

interface DraftSession {
  /** Milliseconds after the session's start, strictly increasing. */
  events: { type: DemoEventType; productId: string; quantity: number; offset: number }[];
  start: number;
}

function draftSession(catalog: Catalog, rnd: () => number): Omit<DraftSession, 'start'> {
  const persona = createPersona(catalog, rnd);
  const buys = rnd() < 0.1;
  const carts = buys || rnd() < 0.17;
  const { views, complementViews } = browse(catalog, persona, buys, rnd);
  const events: DraftSession['events'] = [];
  let offset = 0;
  const gap = (min: number, max: number) => (offset += Math.round((min + rnd() * (max - min)) * SECOND));
  views.forEach((productId, i) => {
    if (i > 0) gap(10, 120);
    events.push({ type: 'view', productId, quantity: 1, offset });
  });
  if (!carts) return { events };
  const basket = chooseBasket(views, complementViews, buys, catalog, rnd);
  for (const productId of basket) {
    gap(5, 60);
    events.push({ type: 'add_to_cart', productId, quantity: 1, offset });
  }
  if (!buys) return { events };
  gap(60, 240);
  for (const productId of basket) {
    events.push({ type: 'purchase', productId, quantity: rnd() < 0.8 ? 1 : 2, offset });
    offset += SECOND;
  }
  return { events };
}

/**
 * Generates `sessions` anonymous browsing sessions (default 1,500) over the `days` days
 * (default 30) before `now`: 2–12 product views each, 10–120 s apart, mostly within the shopper's
 * one or two favourite categories (popularity Zipf-like within a category, a leaning towards one
 * brand) and often in their complementary categories; about a quarter of the sessions add to the
 * cart at the end and about a tenth then buy 1–3 of those items (quantity 1–2, no order id), the
 * complement among them most of the time.
 *
 * Pure and deterministic for a seed (no clock, no `Math.random`). Rows are oldest first; within a
 * session `occurredAt` strictly increases, and every event lies in [`now` − `days`, `now`]. Every
 * `productId` comes from `products`; an empty list gives no events. Throws a `RangeError` for a
 * negative or fractional `sessions`, a non-positive `days` or an invalid `now`.
 */
export function generateDemoBehaviour(products: readonly DemoProduct[], opts: DemoBehaviourOptions): DemoEventRow[] {
  const sessions = opts.sessions ?? DEFAULT_SESSIONS;
  const days = opts.days ?? DEFAULT_DAYS;
  if (!Number.isInteger(sessions) || sessions < 0) throw new RangeError(`sessions must be a non-negative integer, got ${sessions}`);
  if (!(days > 0)) throw new RangeError(`days must be positive, got ${days}`);
  const end = opts.now.getTime();
  if (Number.isNaN(end)) throw new RangeError('now must be a valid date');
  if (products.length === 0 || sessions === 0) return [];
  const rnd = createRandom(opts.seed ?? DEFAULT_SEED);
  const catalog = buildCatalog(products, opts, rnd);
  const begin = end - days * DAY;
  const drafts: DraftSession[] = [];
  for (let n = 0; n < sessions; n++) {
    const { events } = draftSession(catalog, rnd);
    const duration = events[events.length - 1]!.offset;
    drafts.push({ events, start: begin + Math.floor(rnd() * Math.max(0, end - begin - duration)) });
  }
  drafts.sort((a, b) => a.start - b.start);
  const rows = drafts.flatMap((d, i) =>
    d.events.map(
      (e): DemoEventRow => ({
        type: e.type,
        productId: e.productId,
        sessionId: `demo-${i + 1}`,
        customerId: null,
        quantity: e.quantity,
        orderId: null,
        occurredAt: new Date(d.start + e.offset),
      }),
    ),
  );
  // Array.prototype.sort is stable, so each session keeps its own order.
  return rows.sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
}

/**
 * Inserts {@link generateDemoBehaviour}'s events into `recs_event` in one transaction, in
 * multi-row INSERTs of 1,000 rows, and returns how many it inserted. Does nothing and returns 0
 * when `recs_event` already has rows (any process's seeding, or real traffic): a transaction-scoped
 * advisory lock makes two processes starting together seed once.
 *
 * @example
 * const inserted = await seedDemoBehaviour(db, products, { now: new Date() });
 */
export async function seedDemoBehaviour(db: Kysely<Database>, products: readonly DemoProduct[], opts: DemoBehaviourOptions): Promise<number> {
  const rows = generateDemoBehaviour(products, opts);
  if (rows.length === 0) return 0;
  return withTransaction(db, async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('recs_demo_behaviour'))`.execute(trx);
    const existing = await trx.selectFrom('recsEvent').select('id').limit(1).executeTakeFirst();
    if (existing) return 0;
    for (let i = 0; i < rows.length; i += INSERT_BATCH) {
      await trx.insertInto('recsEvent').values(rows.slice(i, i + INSERT_BATCH)).execute();
    }
    return rows.length;
  });
}
