import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, Tx } from '../../platform/db/index.js';
import { withTransaction } from '../../platform/db/index.js';
import { publish } from '../../platform/events/index.js';
import { decodeCursor, toPage } from '../../platform/http/pagination.js';
import { newId } from '../../platform/ids.js';
import type { Actor, CatalogDeps } from './deps.js';
import { catalogError } from './errors.js';
import { assertTranslationLocales, localised } from './locale.js';
import type { CollectionAdmin, CollectionListQuery, CollectionSummary, CreateCollectionBody, StoreCollection, UpdateCollectionBody } from './schemas-taxonomy.js';
import type { CatalogCollectionTable } from './tables.js';

type Row = Selectable<CatalogCollectionTable>;

function toCollection(row: Row) {
  return {
    id: row.id,
    handle: row.handle,
    title: row.title,
    description: row.description,
    translations: row.translations ?? {},
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

/**
 * Serialises writes that claim `handle`, so an update renaming a collection and a create using
 * the same handle cannot both pass their checks (a unique violation mid-transaction would abort it).
 */
async function lockHandle(trx: Tx, handle: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`catalog_collection:${handle}`}))`.execute(trx);
}

const handleTaken = (handle: string) =>
  catalogError('CATALOG_HANDLE_TAKEN', { detail: `Another collection has the handle ${handle}`, fields: [{ field: '/handle', message: 'is taken' }] });

/**
 * Replaces the collection's products with `productIds`, in that order (positions 0..n-1).
 * Throws 400 `CATALOG_UNKNOWN_PRODUCT` naming each unknown id. The products are share-locked so
 * none can be deleted before this commits.
 */
async function setProducts(trx: Tx, collectionId: string, productIds: readonly string[]): Promise<string[]> {
  const ids = [...new Set(productIds)];
  if (ids.length) {
    const found = new Set((await trx.selectFrom('catalogProduct').select('id').where('id', 'in', ids).forShare().execute()).map((r) => r.id));
    const fields = productIds.flatMap((id, i) => (found.has(id) ? [] : [{ field: `/productIds/${i}`, message: `no product ${id}` }]));
    if (fields.length) throw catalogError('CATALOG_UNKNOWN_PRODUCT', { detail: 'Some products do not exist', fields });
  }
  await trx.deleteFrom('catalogCollectionProduct').where('collectionId', '=', collectionId).execute();
  if (ids.length) {
    await trx
      .insertInto('catalogCollectionProduct')
      .values(ids.map((productId, position) => ({ collectionId, productId, position })))
      .execute();
  }
  return ids;
}

async function productIdsOf(db: Kysely<Database>, collectionId: string): Promise<string[]> {
  const rows = await db.selectFrom('catalogCollectionProduct').select('productId').where('collectionId', '=', collectionId).orderBy('position').execute();
  return rows.map((r) => r.productId);
}

export async function createCollection(deps: CatalogDeps, actor: Actor, input: CreateCollectionBody): Promise<CollectionAdmin> {
  assertTranslationLocales(deps.shop, input.translations);
  return withTransaction(deps.db, async (trx) => {
    await lockHandle(trx, input.handle);
    const row = await trx
      .insertInto('catalogCollection')
      .values({
        id: newId('col'),
        handle: input.handle,
        title: input.title,
        description: input.description ?? null,
        translations: JSON.stringify(input.translations ?? {}),
      })
      .onConflict((oc) => oc.column('handle').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) throw handleTaken(input.handle);
    const productIds = await setProducts(trx, row.id, input.productIds ?? []);
    await deps.audit.record(trx, {
      actorId: actor.staffId,
      action: 'collection.created',
      targetType: 'collection',
      targetId: row.id,
      data: { handle: row.handle, productCount: productIds.length },
      ip: actor.ip,
    });
    await publish(trx, 'catalog.collection_updated', { collectionId: row.id, change: 'created', productIds });
    return { ...toCollection(row), productIds };
  });
}

export async function updateCollection(deps: CatalogDeps, actor: Actor, id: string, patch: UpdateCollectionBody): Promise<CollectionAdmin> {
  assertTranslationLocales(deps.shop, patch.translations);
  return withTransaction(deps.db, async (trx) => {
    if (patch.handle !== undefined) await lockHandle(trx, patch.handle);
    // Locks the row: concurrent replacements of the product list apply one after the other.
    const current = await trx.selectFrom('catalogCollection').select(['id', 'handle']).where('id', '=', id).forUpdate().executeTakeFirst();
    if (!current) throw catalogError('CATALOG_COLLECTION_NOT_FOUND');
    if (patch.handle !== undefined && patch.handle !== current.handle) {
      const other = await trx.selectFrom('catalogCollection').select('id').where('handle', '=', patch.handle).where('id', '<>', id).executeTakeFirst();
      if (other) throw handleTaken(patch.handle);
    }
    const row = await trx
      .updateTable('catalogCollection')
      .set({
        ...(patch.handle !== undefined ? { handle: patch.handle } : {}),
        ...(patch.title !== undefined ? { title: patch.title } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.translations !== undefined ? { translations: JSON.stringify(patch.translations) } : {}),
        updatedAt: sql`now()`,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const previous = await productIdsOf(trx, id);
    const productIds = patch.productIds !== undefined ? await setProducts(trx, id, patch.productIds) : previous;
    const { productIds: _ids, ...changes } = patch;
    await deps.audit.record(trx, {
      actorId: actor.staffId,
      action: 'collection.updated',
      targetType: 'collection',
      targetId: id,
      data: { changes, ...(patch.productIds !== undefined ? { productIds } : {}) },
      ip: actor.ip,
    });
    // Products that left the collection need reindexing as much as the ones in it.
    const touched = [...new Set([...previous, ...productIds])];
    await publish(trx, 'catalog.collection_updated', { collectionId: id, change: 'updated', productIds: touched });
    return { ...toCollection(row), productIds };
  });
}

export async function deleteCollection(deps: CatalogDeps, actor: Actor, id: string): Promise<void> {
  await withTransaction(deps.db, async (trx) => {
    const current = await trx.selectFrom('catalogCollection').select(['id', 'handle']).where('id', '=', id).forUpdate().executeTakeFirst();
    if (!current) throw catalogError('CATALOG_COLLECTION_NOT_FOUND');
    const productIds = await productIdsOf(trx, id);
    await trx.deleteFrom('catalogCollection').where('id', '=', id).execute();
    await deps.audit.record(trx, {
      actorId: actor.staffId,
      action: 'collection.deleted',
      targetType: 'collection',
      targetId: id,
      data: { handle: current.handle },
      ip: actor.ip,
    });
    await publish(trx, 'catalog.collection_updated', { collectionId: id, change: 'deleted', productIds });
  });
}

/** One collection with its product ids in display order. Throws 404 `CATALOG_COLLECTION_NOT_FOUND`. */
export async function getCollectionAdmin(db: Kysely<Database>, id: string): Promise<CollectionAdmin> {
  const row = await db.selectFrom('catalogCollection').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw catalogError('CATALOG_COLLECTION_NOT_FOUND');
  return { ...toCollection(row), productIds: await productIdsOf(db, id) };
}

/** Collections newest first, with their product counts. */
export async function listCollectionsAdmin(db: Kysely<Database>, query: CollectionListQuery): Promise<{ items: CollectionSummary[]; nextCursor: string | null }> {
  let q = db
    .selectFrom('catalogCollection as c')
    .selectAll('c')
    .select((eb) =>
      eb
        .selectFrom('catalogCollectionProduct as cp')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('cp.collectionId', '=', 'c.id')
        .as('productCount'),
    )
    .orderBy('c.id', 'desc')
    .limit(query.limit + 1);
  if (query.cursor) q = q.where('c.id', '<', String(decodeCursor(query.cursor, 1)[0]));
  const rows = await q.execute();
  return toPage(rows, query.limit, (r) => ({ ...toCollection(r), productCount: Number(r.productCount ?? 0) }), (r) => [r.id]);
}

/** A collection for the store, title and description in `locale`. Throws 404 `CATALOG_COLLECTION_NOT_FOUND`. */
export async function collectionByHandle(db: Kysely<Database>, handle: string, locale: string, defaultLocale: string): Promise<StoreCollection> {
  const row = await db.selectFrom('catalogCollection').select(['id', 'handle', 'title', 'description', 'translations']).where('handle', '=', handle).executeTakeFirst();
  if (!row) throw catalogError('CATALOG_COLLECTION_NOT_FOUND', { detail: `No collection ${handle}` });
  return {
    id: row.id,
    handle: row.handle,
    title: localised(row.title, row.translations, 'title', locale, defaultLocale) ?? row.title,
    description: localised(row.description, row.translations, 'description', locale, defaultLocale),
  };
}
