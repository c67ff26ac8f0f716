import { ulid } from '../../platform/ids.js';
import type { ProductCard, RecommendationsDeps } from './deps.js';
import { recsError } from './errors.js';
import {
  buildCoPurchase,
  buildItemCooccurrence,
  buildPopularity,
  buildSequentialModel,
  recommendBoughtTogether,
  recommendForUser,
  topNeighbours,
  topPopular,
  type CoPurchaseModel,
  type CooccurrenceModel,
  type Order,
  type PopularityEvent,
  type PopularityModel,
  type SequentialModel,
} from './models/index.js';

const DAY = 86_400_000;

export type RecReason = 'similar_to' | 'bought_with' | 'trending' | 'because_you_viewed';

export interface RecItem {
  productId: string;
  handle: string;
  title: string;
  price?: { amount: number; currency: string };
  image?: { url: string; alt: string | null };
  reason: RecReason;
  recommendationId: string;
}

export interface ServingLimits {
  /** Days of `recs_event` a training run reads. */
  trainingDays: number;
  /** Most events a training run reads (the latest ones). */
  trainingRowCap: number;
}

export const DEFAULT_SERVING_LIMITS: ServingLimits = { trainingDays: 90, trainingRowCap: 500_000 };

/** The models serving answers from, swapped whole after each training run. */
export interface TrainedModels {
  similar: CooccurrenceModel<string>;
  coPurchase: CoPurchaseModel<string>;
  sequential: SequentialModel<string>;
  popularity: PopularityModel<string>;
  trainedAt: Date;
  events: number;
}

const emptyModels = (): TrainedModels => ({
  similar: buildItemCooccurrence<string>([]),
  coPurchase: buildCoPurchase<string>([]),
  sequential: buildSequentialModel<string>([]),
  popularity: buildPopularity<string>([]),
  trainedAt: new Date(0),
  events: 0,
});

interface EventRow {
  type: string;
  productId: string | null;
  sessionId: string | null;
  customerId: string | null;
  orderId: string | null;
  quantity: number;
  occurredAt: Date;
}

/** Collapses immediate repeats (reloading a product page is not a new step). */
function pushStep(seq: string[], item: string): void {
  if (seq[seq.length - 1] !== item) seq.push(item);
}

/** Builds every serving model from events, oldest first. Pure. */
export function trainModels(rows: readonly EventRow[], now: Date): TrainedModels {
  const sessions = new Map<string, string[]>();
  const histories = new Map<string, string[]>();
  const orders = new Map<string, Order<string>>();
  const purchases: PopularityEvent<string>[] = [];
  const today = now.getTime() / DAY;
  for (const r of rows) {
    if (!r.productId || r.type === 'search' || r.type === 'remove_from_cart') continue;
    if (r.sessionId) {
      const seq = sessions.get(r.sessionId) ?? [];
      pushStep(seq, r.productId);
      sessions.set(r.sessionId, seq);
    }
    const actor = r.customerId ? `c:${r.customerId}` : r.sessionId ? `s:${r.sessionId}` : null;
    if (actor) {
      const seq = histories.get(actor) ?? [];
      pushStep(seq, r.productId);
      histories.set(actor, seq);
    }
    if (r.type === 'purchase') {
      // Orders group by order id; storefront purchases (no order) by session.
      const basketKey = r.orderId ? `o:${r.orderId}` : r.sessionId ? `s:${r.sessionId}` : null;
      const user = r.customerId ?? r.sessionId ?? r.orderId ?? undefined;
      const time = r.occurredAt.getTime() / DAY;
      if (basketKey) {
        const order = orders.get(basketKey) ?? { items: [] as string[], user, time };
        (order.items as string[]).push(r.productId);
        orders.set(basketKey, order);
      }
      purchases.push({ item: r.productId, user, time, weight: Math.max(1, r.quantity) });
    }
  }
  return {
    similar: buildItemCooccurrence([...sessions.values()].map((items) => ({ items }))),
    coPurchase: buildCoPurchase(orders.values(), { popularity: { halfLife: 30, now: today } }),
    sequential: buildSequentialModel(
      [...histories.values()].map((items) => ({ items })),
      { popularity: { minUsers: 2 } },
    ),
    popularity: buildPopularity(purchases, { halfLife: 30, now: today }),
    trainedAt: now,
    events: rows.length,
  };
}

interface Candidate {
  productId: string;
  reason: RecReason;
}

export interface ServeOptions {
  limit: number;
  currency?: string;
  locale?: string;
}

export function createServing(deps: RecommendationsDeps, limits: ServingLimits, now: () => Date) {
  let models = emptyModels();

  async function train(): Promise<{ events: number; items: number }> {
    const at = now();
    const since = new Date(at.getTime() - limits.trainingDays * DAY);
    const latest = await deps.db
      .selectFrom('recsEvent')
      .select(['type', 'productId', 'sessionId', 'customerId', 'orderId', 'quantity', 'occurredAt'])
      .where('occurredAt', '>=', since)
      .where('productId', 'is not', null)
      .orderBy('occurredAt', 'desc')
      .orderBy('id', 'desc')
      .limit(limits.trainingRowCap)
      .execute();
    latest.reverse();
    models = trainModels(
      latest.map((r) => ({ ...r, quantity: Number(r.quantity) })),
      at,
    );
    return { events: latest.length, items: models.similar.items.ids.length };
  }

  /**
   * Turns candidates (best first, may repeat) into at most `limit` cards: one `cards` call for
   * all of them, unpublished, out-of-stock, unknown and excluded products dropped. Popularity
   * and then the catalog's best sellers are appended as `trending` first.
   */
  async function present(candidates: Candidate[], exclude: ReadonlySet<string>, opts: ServeOptions): Promise<RecItem[]> {
    const want = opts.limit * 3 + 10;
    const list: Candidate[] = [];
    const seen = new Set<string>(exclude);
    const add = (productId: string, reason: RecReason) => {
      if (seen.has(productId) || list.length >= want * 2) return;
      seen.add(productId);
      list.push({ productId, reason });
    };
    for (const c of candidates) add(c.productId, c.reason);
    for (const p of topPopular(models.popularity, want, exclude)) add(p.item, 'trending');
    if (list.length < want && deps.bestSellers) for (const id of await deps.bestSellers(want)) add(id, 'trending');
    if (list.length === 0 || !deps.cards) return [];
    const cards = await deps.cards(
      list.map((c) => c.productId),
      opts.currency,
      opts.locale,
    );
    const out: RecItem[] = [];
    for (const c of list) {
      if (out.length >= opts.limit) break;
      const card: ProductCard | undefined = cards.get(c.productId);
      if (!card || !card.published || !card.inStock) continue;
      out.push({
        productId: c.productId,
        handle: card.handle,
        title: card.title,
        ...(card.price ? { price: card.price } : {}),
        ...(card.image ? { image: card.image } : {}),
        reason: c.reason,
        recommendationId: `rec_${ulid()}`,
      });
    }
    return out;
  }

  async function productId(handle: string): Promise<string> {
    const id = deps.productIdByHandle ? await deps.productIdByHandle(handle) : null;
    if (!id) throw recsError('RECS_PRODUCT_NOT_FOUND', { detail: `No published product has the handle ${handle}` });
    return id;
  }

  /** The latest product events of a customer (with their linked sessions) or a session, oldest first. */
  async function recentHistory(viewer: { customerId: string | null; sessionId: string | null }): Promise<{ items: string[]; bought: Set<string> }> {
    if (!viewer.customerId && !viewer.sessionId) return { items: [], bought: new Set() };
    let q = deps.db
      .selectFrom('recsEvent')
      .select(['type', 'productId'])
      .where('productId', 'is not', null)
      .where('type', 'not in', ['search', 'remove_from_cart'])
      .orderBy('occurredAt', 'desc')
      .orderBy('id', 'desc')
      .limit(50);
    const { customerId, sessionId } = viewer;
    if (customerId) {
      q = q.where((eb) =>
        eb.or([
          eb('customerId', '=', customerId),
          eb('sessionId', 'in', eb.selectFrom('recsSessionCustomer').select('sessionId').where('customerId', '=', customerId)),
          ...(sessionId ? [eb('sessionId', '=', sessionId)] : []),
        ]),
      );
    } else if (sessionId) q = q.where('sessionId', '=', sessionId);
    const rows = (await q.execute()).reverse();
    const items: string[] = [];
    const bought = new Set<string>();
    for (const r of rows) {
      pushStep(items, r.productId!);
      if (r.type === 'purchase') bought.add(r.productId!);
    }
    return { items, bought };
  }

  return {
    train,
    /** When the models in use were trained and from how many events (epoch / 0 before the first run). */
    status: () => ({ trainedAt: models.trainedAt, events: models.events, items: models.similar.items.ids.length }),

    /**
     * "Similar": co-viewed / co-bought in the same sessions, then products like it by content
     * (categories, brand), then trending. 404 for an unknown handle.
     */
    async similar(handle: string, opts: ServeOptions): Promise<RecItem[]> {
      const id = await productId(handle);
      const want = opts.limit * 3 + 10;
      const nb = topNeighbours(models.similar, id, want, [id]);
      const candidates = nb.map((n) => ({ productId: n.item, reason: 'similar_to' as const }));
      // Little behaviour about this item yet: products like it by content come before trending.
      if (candidates.length < want && deps.relatedProducts) {
        for (const related of await deps.relatedProducts(id, want)) candidates.push({ productId: related, reason: 'similar_to' });
      }
      return present(candidates, new Set([id]), opts);
    },

    /** "Bought together": co-purchases, then trending. 404 for an unknown handle. */
    async boughtTogether(handle: string, opts: ServeOptions): Promise<RecItem[]> {
      const id = await productId(handle);
      const scored = recommendBoughtTogether(models.coPurchase, [id], opts.limit * 3 + 10);
      return present(
        scored.map((s) => ({ productId: s.item, reason: s.score > 0 ? ('bought_with' as const) : ('trending' as const) })),
        new Set([id]),
        opts,
      );
    },

    /** Bought together with the cart's products, never one already in it. 404 for an unknown cart. */
    async forCart(cartId: string, opts: ServeOptions): Promise<RecItem[]> {
      const products = deps.cartProducts ? await deps.cartProducts(cartId) : null;
      if (!products) throw recsError('RECS_CART_NOT_FOUND');
      const basket = [...new Set(products)];
      const scored = basket.length ? recommendBoughtTogether(models.coPurchase, basket, opts.limit * 3 + 10) : [];
      return present(
        scored.map((s) => ({ productId: s.item, reason: s.score > 0 ? ('bought_with' as const) : ('trending' as const) })),
        new Set(basket),
        opts,
      );
    },

    /**
     * "For you": from the viewer's latest items (customer with linked sessions, or session),
     * never an item they viewed or bought in that history, then trending.
     */
    async forYou(viewer: { customerId: string | null; sessionId: string | null }, opts: ServeOptions): Promise<RecItem[]> {
      const { items, bought } = await recentHistory(viewer);
      const scored = items.length ? recommendForUser(models.sequential, items, opts.limit * 3 + 10) : [];
      const exclude = new Set([...items, ...bought]);
      return present(
        scored.map((s) => ({ productId: s.item, reason: s.score > 0 ? ('because_you_viewed' as const) : ('trending' as const) })),
        exclude,
        opts,
      );
    },
  };
}
