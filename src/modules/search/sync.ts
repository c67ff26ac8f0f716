import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import type { DomainEvent } from '../../platform/events/index.js';
import { countCatalogProducts, listCatalogProductIds, loadCatalogAttributes, loadCatalogCategories, loadCatalogDocuments } from './catalog-source.js';
import type { SearchEngine } from './engine.js';

/** Catalog events the index follows. */
export const CATALOG_EVENTS = {
  productCreated: 'catalog.product_created',
  productUpdated: 'catalog.product_updated',
  productDeleted: 'catalog.product_deleted',
  categoryCreated: 'catalog.category_created',
  categoryUpdated: 'catalog.category_updated',
  categoryDeleted: 'catalog.category_deleted',
  attributeUpdated: 'catalog.attribute_updated',
  salesRecorded: 'catalog.sales_recorded',
} as const;

export interface SyncDeps {
  db: Kysely<Database>;
  engine: SearchEngine;
  defaultLocale: string;
}

const BATCH = 200;

/**
 * Re-reads `ids` from the catalog and indexes them as they are now: published products are
 * (re)indexed, drafts and archived ones removed, and ids the catalog no longer has removed.
 * Idempotent, so redelivered or reordered events converge on the catalog's current state.
 */
export async function reindexProducts(deps: SyncDeps, ids: readonly string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += BATCH) {
    const slice = ids.slice(i, i + BATCH);
    const docs = await loadCatalogDocuments(deps.db, slice, deps.defaultLocale);
    const found = new Set(docs.map((d) => d.productId));
    await deps.engine.index(docs);
    const gone = slice.filter((id) => !found.has(id));
    if (gone.length) await deps.engine.remove(gone);
  }
}

/** The event handlers, by event name (subscribed in app.ts). */
export function syncHandlers(deps: SyncDeps): Record<string, (event: DomainEvent) => Promise<void>> {
  const product = async (event: DomainEvent) => {
    const { productId } = event.payload as { productId: string };
    await reindexProducts(deps, [productId]);
  };
  const category = async (event: DomainEvent) => {
    const { categoryId } = event.payload as { categoryId: string };
    await deps.engine.replaceCategories(await loadCatalogCategories(deps.db));
    // Names and paths of the category (and, after a move, of its whole subtree) changed.
    if (event.name !== CATALOG_EVENTS.categoryCreated) await reindexProducts(deps, await deps.engine.productIdsInCategory(categoryId));
  };
  const attribute = async (event: DomainEvent) => {
    const { name } = event.payload as { name: string };
    await deps.engine.replaceAttributes(await loadCatalogAttributes(deps.db));
    await reindexProducts(deps, await deps.engine.productIdsWithAttribute(name));
  };
  // Sales move only the best-seller order: one UPDATE, not a reindex of the product.
  const sales = async (event: DomainEvent) => {
    const { products } = event.payload as { products: { productId: string; salesCount: number }[] };
    await deps.engine.setSalesCounts(products);
  };
  return {
    [CATALOG_EVENTS.salesRecorded]: sales,
    [CATALOG_EVENTS.productCreated]: product,
    [CATALOG_EVENTS.productUpdated]: product,
    [CATALOG_EVENTS.productDeleted]: product,
    [CATALOG_EVENTS.categoryCreated]: category,
    [CATALOG_EVENTS.categoryUpdated]: category,
    [CATALOG_EVENTS.categoryDeleted]: category,
    [CATALOG_EVENTS.attributeUpdated]: attribute,
  };
}

export interface ReindexProgress {
  total(n: number): void;
  advance(n: number): void;
}

/**
 * Rebuilds the whole index from the catalog in batches: categories and attributes, every
 * product, then removes documents of products that no longer exist. Safe while the service runs
 * (events keep applying; the last write of a product wins and both read the catalog).
 */
export async function reindexAll(deps: SyncDeps, progress?: ReindexProgress, batch = 500): Promise<{ indexed: number; removed: number }> {
  const since = await deps.engine.now();
  await deps.engine.replaceCategories(await loadCatalogCategories(deps.db));
  await deps.engine.replaceAttributes(await loadCatalogAttributes(deps.db));
  progress?.total(await countCatalogProducts(deps.db));
  let after: string | null = null;
  let indexed = 0;
  for (;;) {
    const ids = await listCatalogProductIds(deps.db, after, batch);
    if (ids.length === 0) break;
    await deps.engine.index(await loadCatalogDocuments(deps.db, ids, deps.defaultLocale));
    indexed += ids.length;
    progress?.advance(ids.length);
    after = ids[ids.length - 1]!;
  }
  const removed = await deps.engine.prune(since);
  return { indexed, removed };
}
