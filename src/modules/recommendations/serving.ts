import { ulid } from '../../platform/ids.js';
import type { ProductCard, RecommendationsDeps } from './deps.js';
import { recsError } from './errors.js';
import type { ImpressionBuffer, Surface } from './impressions.js';
import {
  createItemIndex,
  internItem,
  recommendBoughtTogether,
  recommendForUser,
  topNeighbours,
  type CooccurrenceModel,
  type PopularityModel,
} from './models/index.js';
import type { NeighbourKind } from './tables.js';
import {
  buildModelRows,
  newestEventId,
  pushStep,
  readContent,
  readModelState,
  readTrainingEvents,
  releaseLease,
  takeLease,
  writeModelRows,
  type ModelState,
  type TrainingLimits,
  type WrittenState,
} from './training.js';

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

/** Who asks: recorded with the impressions so clicks can be joined to what was shown. */
export interface Viewer {
  customerId: string | null;
  sessionId: string | null;
}

export interface ServeOptions {
  limit: number;
  currency?: string;
  locale?: string;
  viewer?: Viewer;
}

/** How often a process re-reads the models' version (another process may have trained). */
const VERSION_TTL_MS = 2_000;
/** Cached neighbour lists, lists and item rows per process. */
const CACHE_ENTRIES = 50_000;
/** A training run holds the lease at most this long. */
const LEASE_MS = 15 * 60_000;

interface Ranked {
  ids: string[];
  scores: number[];
}

interface ItemInfo {
  categoryIds: string[];
  repurchase: boolean;
}

/** A bounded map that forgets the least recently used entry first. */
function createLru<V>(capacity: number) {
  const map = new Map<string, V>();
  return {
    get(key: string): V | undefined {
      const v = map.get(key);
      if (v !== undefined) {
        map.delete(key);
        map.set(key, v);
      }
      return v;
    },
    set(key: string, value: V): void {
      map.delete(key);
      map.set(key, value);
      if (map.size > capacity) map.delete(map.keys().next().value!);
    },
    clear: () => map.clear(),
  };
}

/** A neighbour model holding only the loaded products' lists: what the pure scoring functions need. */
function partialModel(rows: ReadonlyMap<string, Ranked>): CooccurrenceModel<string> {
  const items = createItemIndex<string>();
  const neighbours: Int32Array[] = [];
  const scores: Float32Array[] = [];
  for (const [productId, row] of rows) {
    const a = internItem(items, productId);
    const nb = row.ids.map((id) => internItem(items, id));
    neighbours[a] = Int32Array.from(nb);
    scores[a] = Float32Array.from(row.scores);
  }
  for (let i = 0; i < items.ids.length; i++) {
    neighbours[i] ??= new Int32Array(0);
    scores[i] ??= new Float32Array(0);
  }
  return { items, neighbours, scores, counts: new Float64Array(items.ids.length) };
}

function popularityOf(list: Ranked | null): PopularityModel<string> {
  const items = createItemIndex<string>();
  for (const id of list?.ids ?? []) internItem(items, id);
  return { items, score: Float64Array.from(list?.scores ?? []), ranked: Int32Array.from(items.ids.keys()) };
}

interface Candidate {
  productId: string;
  reason: RecReason;
}

export interface TrainProgress {
  /** A new stage starts (`total` 0 when unknown). */
  stage(name: string, total: number): void;
  /** Progress within the current stage. */
  advance(done: number): void;
}

export interface TrainResult {
  /** `trained`, `skipped` (no new behaviour and the models are fresh) or `busy` (another process trains). */
  outcome: 'trained' | 'skipped' | 'busy';
  version: number;
  events: number;
  products: number;
  rowsWritten: number;
  durationMs: number;
}

export function createServing(deps: RecommendationsDeps, training: TrainingLimits, impressions: ImpressionBuffer, now: () => Date, options: { retrainAfterMs: number; cacheTtlMs: number }) {
  let state: ModelState = { version: 0, trainedAt: null, events: 0, items: 0, lastEventId: 0, durationMs: 0 };
  let stateReadAt = -Infinity;
  let stateReading: Promise<ModelState> | null = null;
  let written: WrittenState | null = null;
  const cache = createLru<Ranked | ItemInfo | null>(CACHE_ENTRIES);
  // Handles and cards, like the store's own pages, may be up to `cacheTtlMs` old (0: never cached).
  const shortLived = createLru<{ at: number; value: string | null | ProductCard }>(CACHE_ENTRIES);
  const fresh = (key: string) => {
    const hit = options.cacheTtlMs > 0 ? shortLived.get(key) : undefined;
    return hit && Date.now() - hit.at < options.cacheTtlMs ? hit : undefined;
  };
  const remember = (key: string, value: string | null | ProductCard) => {
    if (options.cacheTtlMs > 0) shortLived.set(key, { at: Date.now(), value });
  };

  /** Cards for these products, from the short-lived cache or one `cards` call for the misses. */
  async function cardsFor(productIds: readonly string[], currency?: string, locale?: string): Promise<Map<string, ProductCard>> {
    const out = new Map<string, ProductCard>();
    const missing: string[] = [];
    for (const id of productIds) {
      const hit = fresh(`c|${currency ?? ''}|${locale ?? ''}|${id}`);
      if (hit === undefined) missing.push(id);
      else if (hit.value !== null) out.set(id, hit.value as ProductCard);
    }
    if (missing.length && deps.cards) {
      const found = await deps.cards(missing, currency, locale);
      for (const id of missing) {
        const card = found.get(id) ?? null;
        remember(`c|${currency ?? ''}|${locale ?? ''}|${id}`, card);
        if (card) out.set(id, card);
      }
    }
    return out;
  }

  /** The models' version, re-read at most every VERSION_TTL_MS (one query shared by concurrent requests). */
  async function currentVersion(): Promise<number> {
    if (Date.now() - stateReadAt < VERSION_TTL_MS) return state.version;
    stateReading ??= readModelState(deps.db)
      .then((s) => {
        if (s.version !== state.version) cache.clear();
        state = s;
        stateReadAt = Date.now();
        return s;
      })
      .finally(() => {
        stateReading = null;
      });
    return (await stateReading).version;
  }

  /** Neighbour lists of `productIds` in `kinds`, from the cache or one query for the misses. */
  async function neighbourLists(version: number, kinds: readonly NeighbourKind[], productIds: readonly string[]): Promise<Map<NeighbourKind, Map<string, Ranked>>> {
    const found = await cached(
      version,
      'n',
      kinds.flatMap((kind) => productIds.map((id) => `${kind}|${id}`)),
      async (missing) => {
        const pairs = missing.map((key) => key.split('|') as [NeighbourKind, string]);
        const rows = await deps.db
          .selectFrom('recsNeighbour')
          .select(['kind', 'productId', 'neighbours', 'scores'])
          .where('kind', 'in', [...new Set(pairs.map((p) => p[0]))])
          .where('productId', 'in', [...new Set(pairs.map((p) => p[1]))])
          .execute();
        return new Map(rows.map((r) => [`${r.kind}|${r.productId}`, { ids: r.neighbours, scores: r.scores.map(Number) }]));
      },
    );
    const out = new Map<NeighbourKind, Map<string, Ranked>>(kinds.map((k) => [k, new Map()]));
    for (const [key, ranked] of found) {
      const [kind, id] = key.split('|') as [NeighbourKind, string];
      out.get(kind)!.set(id, ranked);
    }
    return out;
  }

  /**
   * Values for `keys` from the per-version cache, loading the misses with one `load` call; a key
   * `load` does not answer is cached as absent.
   */
  async function cached<V extends Ranked | ItemInfo>(version: number, tag: string, keys: readonly string[], load: (missing: string[]) => Promise<Map<string, V>>): Promise<Map<string, V>> {
    const out = new Map<string, V>();
    if (version === 0 || keys.length === 0) return out;
    const missing: string[] = [];
    for (const key of new Set(keys)) {
      const hit = cache.get(`${version}|${tag}|${key}`);
      if (hit === undefined) missing.push(key);
      else if (hit !== null) out.set(key, hit as V);
    }
    if (missing.length) {
      const loaded = await load(missing);
      for (const key of missing) {
        const value = loaded.get(key) ?? null;
        cache.set(`${version}|${tag}|${key}`, value);
        if (value !== null) out.set(key, value);
      }
    }
    return out;
  }

  /** Named ranked lists, cached per version; absent lists are empty. */
  const lists = (version: number, names: readonly string[]): Promise<Map<string, Ranked>> =>
    cached(version, 'l', names, async (missing) => {
      const rows = await deps.db.selectFrom('recsList').select(['name', 'productIds', 'scores']).where('name', 'in', missing).execute();
      return new Map(rows.map((r) => [r.name, { ids: r.productIds, scores: r.scores.map(Number) }]));
    });

  /** Categories and the repurchase flag of products, cached per version. */
  const itemInfo = (version: number, productIds: readonly string[]): Promise<Map<string, ItemInfo>> =>
    cached(version, 'i', productIds, async (missing) => {
      const rows = await deps.db.selectFrom('recsItem').select(['productId', 'categoryIds', 'repurchase']).where('productId', 'in', missing).execute();
      return new Map(rows.map((r) => [r.productId, { categoryIds: r.categoryIds, repurchase: r.repurchase }]));
    });

  /** Trending in these categories (in the order given, each list best first). */
  async function categoryTrending(version: number, categoryIds: readonly string[]): Promise<string[]> {
    const names = [...new Set(categoryIds)].map((c) => `trending:${c}`);
    const found = await lists(version, names);
    const out: string[] = [];
    for (const name of names) out.push(...(found.get(name)?.ids ?? []));
    return out;
  }

  /**
   * Turns candidates (best first, may repeat) into at most `limit` cards: usually one `cards`
   * call for the first `2 × limit + 5`, more only when too many were dropped; unpublished, out-of-stock, unknown and excluded products dropped. Then
   * `fill` (trending in the relevant categories), the shop's trending list and the catalog's best
   * sellers, as `trending`. Each item shown is recorded as an impression.
   */
  async function present(version: number, surface: Surface, anchorId: string | null, candidates: Candidate[], fill: readonly string[], exclude: ReadonlySet<string>, opts: ServeOptions): Promise<RecItem[]> {
    const want = opts.limit * 3 + 10;
    const list: Candidate[] = [];
    const seen = new Set<string>(exclude);
    const add = (productId: string, reason: RecReason) => {
      if (seen.has(productId) || list.length >= want * 2) return;
      seen.add(productId);
      list.push({ productId, reason });
    };
    for (const c of candidates) add(c.productId, c.reason);
    for (const id of fill) add(id, 'trending');
    if (list.length < want) for (const id of (await lists(version, ['trending'])).get('trending')?.ids ?? []) add(id, 'trending');
    if (list.length < opts.limit * 2 && deps.bestSellers) for (const id of await deps.bestSellers(want)) add(id, 'trending');
    if (list.length === 0 || !deps.cards) return [];
    const out: RecItem[] = [];
    const servedAt = now();
    // Cards for a few more candidates than asked (some may be out of stock or unpublished); more
    // rounds only when too many were dropped.
    let next = 0;
    while (out.length < opts.limit && next < list.length) {
      const batch = list.slice(next, next + (opts.limit - out.length) * 2 + 5);
      next += batch.length;
      const cards = await cardsFor(
        batch.map((c) => c.productId),
        opts.currency,
        opts.locale,
      );
      for (const c of batch) {
        if (out.length >= opts.limit) break;
        const card: ProductCard | undefined = cards.get(c.productId);
        if (!card || !card.published || !card.inStock) continue;
        const recommendationId = `rec_${ulid()}`;
        out.push({
          productId: c.productId,
          handle: card.handle,
          title: card.title,
          ...(card.price ? { price: card.price } : {}),
          ...(card.image ? { image: card.image } : {}),
          reason: c.reason,
          recommendationId,
        });
        impressions.add({
          recommendationId,
          surface,
          reason: c.reason,
          productId: c.productId,
          anchorId,
          sessionId: opts.viewer?.sessionId ?? null,
          customerId: opts.viewer?.customerId ?? null,
          modelVersion: String(version),
          servedAt,
        });
      }
    }
    return out;
  }

  async function productId(handle: string): Promise<string> {
    const hit = fresh(`h|${handle}`);
    const id = hit ? (hit.value as string | null) : deps.productIdByHandle ? await deps.productIdByHandle(handle) : null;
    if (!hit) remember(`h|${handle}`, id);
    if (!id) throw recsError('RECS_PRODUCT_NOT_FOUND', { detail: `No published product has the handle ${handle}` });
    return id;
  }

  /** The latest product events of a customer (with their linked sessions) or a session, oldest first. */
  async function recentHistory(viewer: Viewer): Promise<{ items: string[]; bought: Set<string> }> {
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

  /**
   * Trains when due (or `force`): new events since the models' watermark, no models yet, or
   * models older than `retrainAfterMs` (content and time decay move too). One process at a time
   * (the lease); the others answer `busy` and pick the new version up within seconds.
   */
  async function train(opts: { force?: boolean; progress?: TrainProgress } = {}): Promise<TrainResult> {
    const started = Date.now();
    const skipped = (outcome: 'skipped' | 'busy'): TrainResult => ({ outcome, version: state.version, events: state.events, products: state.items, rowsWritten: 0, durationMs: Date.now() - started });
    if (!opts.force) {
      const s = await readModelState(deps.db);
      const fresh = s.version > 0 && s.trainedAt !== null && now().getTime() - s.trainedAt.getTime() < options.retrainAfterMs;
      if (fresh && (await newestEventId(deps.db)) <= s.lastEventId) return skipped('skipped');
    }
    const owner = await takeLease(deps.db, LEASE_MS);
    if (!owner) return skipped('busy');
    try {
      const at = now();
      opts.progress?.stage('Reading behaviour events', 0);
      const { events, lastEventId } = await readTrainingEvents(deps.db, at, training);
      opts.progress?.advance(events.length);
      opts.progress?.stage('Reading product content', 0);
      let read = 0;
      const content = await readContent(deps, (n) => opts.progress?.advance((read += n)));
      opts.progress?.stage('Building models', 1);
      const rows = buildModelRows(events, content, deps.tokenize ?? ((t) => t.toLowerCase().split(/\s+/).filter(Boolean)), at, training);
      opts.progress?.advance(1);
      const total = rows.neighbours.length + rows.lists.length + rows.items.length;
      opts.progress?.stage('Writing models', total);
      const result = await writeModelRows(
        deps.db,
        owner,
        rows,
        { trainedAt: at, events: events.length, lastEventId, durationMs: Date.now() - started },
        written,
        (done) => opts.progress?.advance(done),
      );
      written = result.state;
      cache.clear();
      state = { version: result.version, trainedAt: at, events: events.length, items: rows.products, lastEventId, durationMs: Date.now() - started };
      stateReadAt = Date.now();
      deps.log.info({ version: result.version, events: events.length, products: rows.products, rowsWritten: result.written, ms: Date.now() - started }, 'recommendation models trained');
      return { outcome: 'trained', version: result.version, events: events.length, products: rows.products, rowsWritten: result.written, durationMs: Date.now() - started };
    } finally {
      await releaseLease(deps.db, owner);
    }
  }

  return {
    train,
    /** The models in use: version (0 before the first training), when, from how many events, over how many products. */
    async status(): Promise<ModelState> {
      stateReadAt = -Infinity;
      await currentVersion();
      return { ...state };
    },

    /**
     * "Similar": co-viewed / co-bought in the same sessions, then products like it by content
     * (title, categories, brand, attributes), then trending in its categories and the shop.
     * 404 for an unknown handle.
     */
    async similar(handle: string, opts: ServeOptions): Promise<RecItem[]> {
      const id = await productId(handle);
      const version = await currentVersion();
      const want = opts.limit * 3 + 10;
      const found = await neighbourLists(version, ['similar', 'content'], [id]);
      const candidates: Candidate[] = topNeighbours(partialModel(found.get('similar')!), id, want, [id]).map((n) => ({ productId: n.item, reason: 'similar_to' as const }));
      // Little behaviour about this item yet: products like it by content come before trending.
      if (candidates.length < want) {
        const content = found.get('content')!;
        const related = content.has(id)
          ? topNeighbours(partialModel(content), id, want, [id]).map((n) => n.item)
          : deps.relatedProducts
            ? await deps.relatedProducts(id, want)
            : [];
        for (const r of related) candidates.push({ productId: r, reason: 'similar_to' });
      }
      const info = await itemInfo(version, [id]);
      const fill = await categoryTrending(version, info.get(id)?.categoryIds ?? []);
      return present(version, 'similar', id, candidates, fill, new Set([id]), opts);
    },

    /** "Bought together": co-purchases, then trending. 404 for an unknown handle. */
    async boughtTogether(handle: string, opts: ServeOptions): Promise<RecItem[]> {
      const id = await productId(handle);
      return boughtWith('bought_together', id, [id], opts);
    },

    /**
     * Bought together with the cart's products, never one already in it. 404 for an unknown cart
     * and for a customer's cart asked by anyone else.
     */
    async forCart(cartId: string, opts: ServeOptions): Promise<RecItem[]> {
      const products = deps.cartProducts ? await deps.cartProducts(cartId, opts.viewer?.customerId ?? null) : null;
      if (!products) throw recsError('RECS_CART_NOT_FOUND');
      return boughtWith('cart', cartId, [...new Set(products)], opts);
    },

    /**
     * "For you": what followed (and resembles) the viewer's latest items, then trending in the
     * categories of that history, then the shop's trending. Never an item of the history (viewed
     * or bought), except bought products shoppers typically buy again.
     */
    async forYou(viewer: Viewer, opts: ServeOptions): Promise<RecItem[]> {
      const { items, bought } = await recentHistory(viewer);
      const version = await currentVersion();
      const recent = items.slice(-5);
      const [found, popular, info] = await Promise.all([
        neighbourLists(version, ['next', 'close'], recent),
        lists(version, ['sequence:popular']),
        itemInfo(version, items.slice(-20)),
      ]);
      const model = { transitions: partialModel(found.get('next')!), similarity: partialModel(found.get('close')!), popularity: popularityOf(popular.get('sequence:popular') ?? null) };
      const scored = recent.length ? recommendForUser(model, items, opts.limit * 3 + 10) : [];
      const exclude = new Set(items.filter((i) => !(bought.has(i) && info.get(i)?.repurchase)));
      const categories: string[] = [];
      for (let i = items.length - 1; i >= 0 && categories.length < 10; i--) for (const c of info.get(items[i]!)?.categoryIds ?? []) categories.push(c);
      const fill = await categoryTrending(version, categories);
      return present(
        version,
        'for_you',
        null,
        // The model's own popularity fallback (score 0) comes after trending in the viewer's categories.
        [...scored.filter((s) => s.score > 0).map((s) => ({ productId: s.item, reason: 'because_you_viewed' as const })), ...fill.map((id) => ({ productId: id, reason: 'trending' as const }))],
        scored.filter((s) => s.score === 0).map((s) => s.item),
        exclude,
        { ...opts, viewer },
      );
    },
  };

  async function boughtWith(surface: Surface, anchorId: string, basket: readonly string[], opts: ServeOptions): Promise<RecItem[]> {
    const version = await currentVersion();
    const [found, popular, info] = await Promise.all([neighbourLists(version, ['bought'], basket), lists(version, ['bought:popular']), itemInfo(version, basket)]);
    const model = { pairs: partialModel(found.get('bought')!), popularity: popularityOf(popular.get('bought:popular') ?? null) };
    const scored = basket.length ? recommendBoughtTogether(model, basket, opts.limit * 3 + 10) : [];
    const fill = await categoryTrending(
      version,
      basket.flatMap((b) => info.get(b)?.categoryIds ?? []),
    );
    return present(
      version,
      surface,
      anchorId,
      // The model's own popularity fallback (score 0) comes after trending in the basket's categories.
      [...scored.filter((s) => s.score > 0).map((s) => ({ productId: s.item, reason: 'bought_with' as const })), ...fill.map((id) => ({ productId: id, reason: 'trending' as const }))],
      scored.filter((s) => s.score === 0).map((s) => s.item),
      new Set(basket),
      opts,
    );
  }
}
