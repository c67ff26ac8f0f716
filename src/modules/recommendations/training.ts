import { sql, type Insertable, type Kysely } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import { ulid } from '../../platform/ids.js';
import type { ContentItem, RecommendationsDeps } from './deps.js';
import {
  buildCoPurchase,
  buildContentSimilarity,
  buildItemCooccurrence,
  buildPopularity,
  buildSequentialModel,
  buildSessionIndex,
  productFeatures,
  recommendNextInSession,
  type CooccurrenceModel,
  type Order,
  type PopularityEvent,
  type PopularityModel,
} from './models/index.js';
import type { NeighbourKind, RecsItemTable, RecsListTable, RecsNeighbourTable } from './tables.js';

const DAY = 86_400_000;

export interface TrainingLimits {
  /** Days of `recs_event` a training run reads. */
  trainingDays: number;
  /** Most events a training run reads (the latest ones). */
  trainingRowCap: number;
  /** Neighbours kept per product and model. */
  neighbours: number;
  /** Products kept per trending list. */
  trendingSize: number;
  /** Distinct buyers a product needs to trend (one shopper or bot cannot push an item). */
  minBuyers: number;
  /** Buyers (≥ 3) of whom this share bought again mark a product as repurchased (it may be recommended after a purchase). */
  repurchaseShare: number;
}

export const DEFAULT_TRAINING_LIMITS: TrainingLimits = {
  trainingDays: 90,
  trainingRowCap: 500_000,
  neighbours: 50,
  trendingSize: 100,
  minBuyers: 2,
  repurchaseShare: 0.25,
};

/** One event as training reads it, oldest first. */
export interface TrainingEvent {
  type: string;
  productId: string | null;
  sessionId: string | null;
  customerId: string | null;
  orderId: string | null;
  quantity: number;
  occurredAt: Date;
}

/** Everything a training run produces, as the rows serving reads. */
export interface TrainedRows {
  neighbours: Insertable<RecsNeighbourTable>[];
  lists: Insertable<RecsListTable>[];
  items: Insertable<RecsItemTable>[];
  /** Products with any model row. */
  products: number;
}

/** Collapses immediate repeats (reloading a product page is not a new step). */
export function pushStep(seq: string[], item: string): void {
  if (seq[seq.length - 1] !== item) seq.push(item);
}

function neighbourRows(kind: NeighbourKind, model: CooccurrenceModel<string>, keep: number, out: Insertable<RecsNeighbourTable>[]): void {
  for (let a = 0; a < model.items.ids.length; a++) {
    const nb = model.neighbours[a]!;
    if (nb.length === 0) continue;
    const n = Math.min(keep, nb.length);
    const neighbours: string[] = new Array(n);
    const scores: number[] = new Array(n);
    for (let i = 0; i < n; i++) {
      neighbours[i] = model.items.ids[nb[i]!]!;
      // float4 in the table: round here so a rewrite of unchanged lists compares equal.
      scores[i] = Math.fround(model.scores[a]![i]!);
    }
    out.push({ kind, productId: model.items.ids[a]!, neighbours, scores });
  }
}

function listRow(name: string, model: PopularityModel<string>, size: number): Insertable<RecsListTable> {
  const ids = [...model.ranked.subarray(0, size)];
  return { name, productIds: ids.map((id) => model.items.ids[id]!), scores: ids.map((id) => Math.fround(model.score[id]!)) };
}

/**
 * "Similar" lists: what the session-neighbour model (`recommendNextInSession`, the code
 * `npm run bench:recs` scores on Diginetica and Retailrocket) expects next in a session that holds
 * only this product, then its co-occurrence neighbours when that gives fewer than `keep`.
 */
function similarRows(sessions: string[][], keep: number): Insertable<RecsNeighbourTable>[] {
  const out: Insertable<RecsNeighbourTable>[] = [];
  const paired = sessions.filter((s) => s.length > 1);
  if (paired.length === 0) return out;
  const sequences = paired.map((items) => ({ items }));
  const cooccurrence = buildItemCooccurrence(sequences, { maxNeighbours: keep });
  const index = buildSessionIndex(sequences);
  for (let a = 0; a < cooccurrence.items.ids.length; a++) {
    const item = cooccurrence.items.ids[a]!;
    const ranked = recommendNextInSession(index, [item], keep, {}, [item]);
    const neighbours = ranked.map((r) => r.item);
    const scores = ranked.map((r) => Math.fround(r.score));
    const seen = new Set(neighbours);
    const nb = cooccurrence.neighbours[a]!;
    // Below every session-model score, in co-occurrence order.
    let floor = scores.length ? scores[scores.length - 1]! : 1;
    for (let i = 0; i < nb.length && neighbours.length < keep; i++) {
      const other = cooccurrence.items.ids[nb[i]!]!;
      if (seen.has(other)) continue;
      floor = Math.fround(floor * 0.99);
      neighbours.push(other);
      scores.push(floor);
    }
    if (neighbours.length) out.push({ kind: 'similar', productId: item, neighbours, scores });
  }
  return out;
}

/**
 * Builds every serving model from events (oldest first) and the catalog's content, as rows.
 * Pure: the same inputs always give the same rows.
 *
 * - `similar`: the session-neighbour model's answer for a one-product session, then co-occurrence
 *   in browsing sessions (views, cart adds, purchases, clicks; window 3);
 * - `content`: TF-IDF cosine over titles, categories, brand and attributes;
 * - `bought`: co-purchase in baskets (orders; storefront purchases grouped by session);
 * - `next` and `close`: the "for you" sequential model over customer (else session) histories;
 * - lists `trending` and `trending:<categoryId>` (purchases, 30-day half-life, at least
 *   `minBuyers` distinct buyers), `bought:popular` and `sequence:popular` (the models' priors);
 * - items: categories, and `repurchase` for products shoppers buy again.
 */
export function buildModelRows(events: readonly TrainingEvent[], content: readonly ContentItem[], tokenize: (text: string) => string[], now: Date, limits: TrainingLimits): TrainedRows {
  const sessions = new Map<string, string[]>();
  const histories = new Map<string, string[]>();
  const baskets = new Map<string, Order<string>>();
  const purchases: PopularityEvent<string>[] = [];
  const buyerBaskets = new Map<string, Map<string, Set<string>>>();
  const today = now.getTime() / DAY;
  for (const r of events) {
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
    if (r.type !== 'purchase') continue;
    // Orders group by order id; storefront purchases (no order) by session.
    const basketKey = r.orderId ? `o:${r.orderId}` : r.sessionId ? `s:${r.sessionId}` : null;
    const user = r.customerId ?? r.sessionId ?? r.orderId ?? undefined;
    const time = r.occurredAt.getTime() / DAY;
    if (basketKey) {
      const basket = baskets.get(basketKey) ?? { items: [] as string[], user, time };
      (basket.items as string[]).push(r.productId);
      baskets.set(basketKey, basket);
      if (user !== undefined) {
        const byBuyer = buyerBaskets.get(r.productId) ?? new Map<string, Set<string>>();
        const set = byBuyer.get(user) ?? new Set<string>();
        set.add(basketKey);
        byBuyer.set(user, set);
        buyerBaskets.set(r.productId, byBuyer);
      }
    }
    purchases.push({ item: r.productId, user, time, weight: Math.max(1, r.quantity) });
  }

  const keep = limits.neighbours;
  const neighbours: Insertable<RecsNeighbourTable>[] = [];
  neighbours.push(...similarRows([...sessions.values()], keep));
  const coPurchase = buildCoPurchase(baskets.values(), { maxNeighbours: keep, popularity: { halfLife: 30, now: today } });
  neighbourRows('bought', coPurchase.pairs, keep, neighbours);
  const sequential = buildSequentialModel(
    [...histories.values()].map((items) => ({ items })),
    { maxNeighbours: keep, popularity: { minUsers: limits.minBuyers } },
  );
  neighbourRows('next', sequential.transitions, keep, neighbours);
  neighbourRows('close', sequential.similarity, keep, neighbours);
  const contentModel = buildContentSimilarity(
    content.map((c) => ({ item: c.productId, features: productFeatures(c, tokenize) })),
    // A feature on most products says little, but in a small shop every category is on many.
    { maxNeighbours: keep, maxDocFrequency: Math.max(0.2, Math.min(1, 10 / Math.max(1, content.length))) },
  );
  neighbourRows('content', contentModel, keep, neighbours);

  const trending = buildPopularity(purchases, { halfLife: 30, now: today, minUsers: limits.minBuyers });
  const lists: Insertable<RecsListTable>[] = [
    listRow('trending', trending, limits.trendingSize),
    listRow('bought:popular', coPurchase.popularity, 1_000),
    listRow('sequence:popular', sequential.popularity, 1_000),
  ];
  const categoriesOf = new Map(content.map((c) => [c.productId, c.categoryIds]));
  const perCategory = new Map<string, { ids: string[]; scores: number[] }>();
  for (const id of trending.ranked) {
    const productId = trending.items.ids[id]!;
    for (const category of categoriesOf.get(productId) ?? []) {
      const list = perCategory.get(category) ?? { ids: [], scores: [] };
      if (list.ids.length >= limits.trendingSize) continue;
      list.ids.push(productId);
      list.scores.push(Math.fround(trending.score[id]!));
      perCategory.set(category, list);
    }
  }
  for (const [category, list] of [...perCategory].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    lists.push({ name: `trending:${category}`, productIds: list.ids, scores: list.scores });
  }

  const items: Insertable<RecsItemTable>[] = [];
  const itemIds = new Set<string>([...categoriesOf.keys(), ...buyerBaskets.keys()]);
  for (const productId of [...itemIds].sort()) {
    const byBuyer = buyerBaskets.get(productId);
    let again = 0;
    for (const set of byBuyer?.values() ?? []) if (set.size > 1) again++;
    const buyers = byBuyer?.size ?? 0;
    const repurchase = buyers >= 3 && again / buyers >= limits.repurchaseShare;
    items.push({ productId, categoryIds: [...(categoriesOf.get(productId) ?? [])], repurchase });
  }
  const products = new Set([...neighbours.map((n) => n.productId), ...itemIds]).size;
  return { neighbours, lists, items, products };
}

/** Reads the latest events of the training window, oldest first, in one query. */
export async function readTrainingEvents(db: Kysely<Database>, now: Date, limits: TrainingLimits): Promise<{ events: TrainingEvent[]; lastEventId: number }> {
  const since = new Date(now.getTime() - limits.trainingDays * DAY);
  const rows = await db
    .selectFrom('recsEvent')
    .select(['id', 'type', 'productId', 'sessionId', 'customerId', 'orderId', 'quantity', 'occurredAt'])
    .where('occurredAt', '>=', since)
    .where('productId', 'is not', null)
    .orderBy('occurredAt', 'desc')
    .orderBy('id', 'desc')
    .limit(limits.trainingRowCap)
    .execute();
  rows.reverse();
  let lastEventId = 0;
  for (const r of rows) lastEventId = Math.max(lastEventId, Number(r.id));
  return {
    events: rows.map((r) => ({ type: r.type, productId: r.productId, sessionId: r.sessionId, customerId: r.customerId, orderId: r.orderId, quantity: Number(r.quantity), occurredAt: r.occurredAt })),
    lastEventId,
  };
}

/** The newest event id (0 without events): training is due when it passed the models' watermark. */
export async function newestEventId(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('recsEvent').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
  return Number(row?.id ?? 0);
}

/** Reads every published product's content, a page at a time. */
export async function readContent(deps: RecommendationsDeps, onPage?: (n: number) => void): Promise<ContentItem[]> {
  if (!deps.contentItems) return [];
  const out: ContentItem[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await deps.contentItems(after, 1_000);
    out.push(...page);
    onPage?.(page.length);
    if (page.length < 1_000) return out;
    after = page[page.length - 1]!.productId;
  }
}

/** The models as serving last saw them: their version and the other `recs_model` fields. */
export interface ModelState {
  version: number;
  trainedAt: Date | null;
  events: number;
  items: number;
  lastEventId: number;
  durationMs: number;
}

export async function readModelState(db: Kysely<Database>): Promise<ModelState> {
  const row = await db.selectFrom('recsModel').selectAll().where('id', '=', 'current').executeTakeFirst();
  return {
    version: Number(row?.version ?? 0),
    trainedAt: row?.trainedAt ?? null,
    events: Number(row?.events ?? 0),
    items: Number(row?.items ?? 0),
    lastEventId: Number(row?.lastEventId ?? 0),
    durationMs: Number(row?.durationMs ?? 0),
  };
}

/**
 * The training lease: one process trains at a time across every API process and worker. Taken
 * when free or expired (a process that died mid-run holds it at most `ttlMs`); null when taken.
 */
export async function takeLease(db: Kysely<Database>, ttlMs: number): Promise<string | null> {
  const owner = `lease_${ulid()}`;
  const { rows } = await sql<{ id: string }>`
    update recs_model set lease_owner = ${owner}, lease_until = now() + make_interval(secs => ${ttlMs / 1000})
    where id = 'current' and (lease_until is null or lease_until < now())
    returning id`.execute(db);
  return rows.length ? owner : null;
}

export async function releaseLease(db: Kysely<Database>, owner: string): Promise<void> {
  await db.updateTable('recsModel').set({ leaseOwner: null, leaseUntil: null }).where('id', '=', 'current').where('leaseOwner', '=', owner).execute();
}

/** A cheap fingerprint of a row, to write only the rows a run changed. */
function fingerprint(values: readonly (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const v of values) {
    const s = typeof v === 'number' ? v.toString(36) : v;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ 0x2c, 0x01000193);
  }
  return h >>> 0;
}

/** What the writing process remembers of the rows it wrote last, to write only what changed next time. */
export interface WrittenState {
  version: number;
  neighbours: Map<string, number>;
  lists: Map<string, number>;
  items: Map<string, number>;
}

const CHUNK = 500;

/**
 * Writes the trained rows and bumps the model version, in one transaction, while holding the
 * lease. When `previous` describes the version in the table (this process wrote it), only
 * changed rows are upserted and vanished ones deleted; otherwise every row is replaced.
 * Returns the new version and what was written, for the next run.
 */
export async function writeModelRows(
  db: Kysely<Database>,
  owner: string,
  rows: TrainedRows,
  meta: { trainedAt: Date; events: number; lastEventId: number; durationMs: number },
  previous: WrittenState | null,
  progress?: (written: number, total: number) => void,
): Promise<{ version: number; written: number; state: WrittenState }> {
  const next: WrittenState = { version: 0, neighbours: new Map(), lists: new Map(), items: new Map() };
  for (const n of rows.neighbours) next.neighbours.set(`${n.kind}|${n.productId}`, fingerprint([...n.neighbours, ...n.scores]));
  for (const l of rows.lists) next.lists.set(l.name, fingerprint([...l.productIds, ...l.scores]));
  for (const i of rows.items) next.items.set(i.productId, fingerprint([...i.categoryIds!, i.repurchase ? 1 : 0]));

  return db.transaction().execute(async (trx) => {
    const current = await trx.selectFrom('recsModel').select(['version', 'leaseOwner']).where('id', '=', 'current').forUpdate().executeTakeFirstOrThrow();
    if (current.leaseOwner !== owner) throw new Error('The training lease was lost; the models were not written');
    const incremental = previous !== null && previous.version === Number(current.version);
    const changed = <T>(list: T[], key: (r: T) => string, now: Map<string, number>, before: Map<string, number> | undefined) =>
      incremental && before ? list.filter((r) => before.get(key(r)) !== now.get(key(r))) : list;
    const neighbourRows = changed(rows.neighbours, (n) => `${n.kind}|${n.productId}`, next.neighbours, previous?.neighbours);
    const listRows = changed(rows.lists, (l) => l.name, next.lists, previous?.lists);
    const itemRows = changed(rows.items, (i) => i.productId, next.items, previous?.items);
    const total = neighbourRows.length + listRows.length + itemRows.length;
    let written = 0;

    if (incremental) {
      const gone = [...previous.neighbours.keys()].filter((k) => !next.neighbours.has(k));
      for (let i = 0; i < gone.length; i += CHUNK) {
        const part = gone.slice(i, i + CHUNK).map((k) => k.split('|') as [NeighbourKind, string]);
        await trx
          .deleteFrom('recsNeighbour')
          .where((eb) => eb.or(part.map(([kind, productId]) => eb.and([eb('kind', '=', kind), eb('productId', '=', productId)]))))
          .execute();
      }
      const goneLists = [...previous.lists.keys()].filter((k) => !next.lists.has(k));
      if (goneLists.length) await trx.deleteFrom('recsList').where('name', 'in', goneLists).execute();
      const goneItems = [...previous.items.keys()].filter((k) => !next.items.has(k));
      for (let i = 0; i < goneItems.length; i += CHUNK) await trx.deleteFrom('recsItem').where('productId', 'in', goneItems.slice(i, i + CHUNK)).execute();
    } else {
      await trx.deleteFrom('recsNeighbour').execute();
      await trx.deleteFrom('recsList').execute();
      await trx.deleteFrom('recsItem').execute();
    }
    for (let i = 0; i < neighbourRows.length; i += CHUNK) {
      await trx
        .insertInto('recsNeighbour')
        .values(neighbourRows.slice(i, i + CHUNK))
        .onConflict((oc) => oc.columns(['kind', 'productId']).doUpdateSet((eb) => ({ neighbours: eb.ref('excluded.neighbours'), scores: eb.ref('excluded.scores') })))
        .execute();
      written += Math.min(CHUNK, neighbourRows.length - i);
      progress?.(written, total);
    }
    if (listRows.length) {
      await trx
        .insertInto('recsList')
        .values(listRows)
        .onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({ productIds: eb.ref('excluded.productIds'), scores: eb.ref('excluded.scores') })))
        .execute();
      written += listRows.length;
      progress?.(written, total);
    }
    for (let i = 0; i < itemRows.length; i += CHUNK) {
      await trx
        .insertInto('recsItem')
        .values(itemRows.slice(i, i + CHUNK))
        .onConflict((oc) => oc.column('productId').doUpdateSet((eb) => ({ categoryIds: eb.ref('excluded.categoryIds'), repurchase: eb.ref('excluded.repurchase') })))
        .execute();
      written += Math.min(CHUNK, itemRows.length - i);
      progress?.(written, total);
    }
    const updated = await trx
      .updateTable('recsModel')
      .set(() => ({
        version: sql<string>`version + 1`,
        trainedAt: meta.trainedAt,
        events: meta.events,
        items: rows.products,
        lastEventId: String(meta.lastEventId),
        durationMs: meta.durationMs,
      }))
      .where('id', '=', 'current')
      .returning('version')
      .executeTakeFirstOrThrow();
    next.version = Number(updated.version);
    return { version: next.version, written, state: next };
  });
}
