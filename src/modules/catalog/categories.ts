import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, Tx } from '../../platform/db/index.js';
import { withTransaction } from '../../platform/db/index.js';
import { publish } from '../../platform/events/index.js';
import { newId } from '../../platform/ids.js';
import type { Actor, CatalogDeps } from './deps.js';
import { catalogError } from './errors.js';
import { assertTranslationLocales, localised } from './locale.js';
import type { CategoryAdmin, CategoryLink, CategoryNode, CreateCategoryBody, StoreCategory, UpdateCategoryBody } from './schemas-taxonomy.js';
import type { CatalogCategoryTable } from './tables.js';
import { escapeLike } from '../../platform/sql.js';

type Row = Selectable<CatalogCategoryTable>;


/** The ids on a path, root first: `/a/b/c/` → `[a, b, c]`. */
export function pathIds(path: string): string[] {
  return path.split('/').filter(Boolean);
}

export function toCategoryAdmin(row: Row): CategoryAdmin {
  return {
    id: row.id,
    handle: row.handle,
    name: row.name,
    description: row.description,
    parentId: row.parentId,
    position: row.position,
    path: row.path,
    depth: row.depth,
    translations: row.translations ?? {},
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

type LinkRow = Pick<Row, 'id' | 'handle' | 'name' | 'translations'>;

function toLink(row: LinkRow, locale: string, defaultLocale: string): CategoryLink {
  return { id: row.id, handle: row.handle, name: localised(row.name, row.translations, 'name', locale, defaultLocale) ?? row.name };
}

/**
 * Serialises writes to the category tree. They are rare, and one at a time a move cannot race a
 * child being created under the moved subtree (which a row lock alone would not catch: the new
 * child is invisible to the move's snapshot).
 */
async function lockTree(trx: Tx): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext('catalog_category_tree'))`.execute(trx);
}

async function handleTaken(trx: Tx, handle: string, exceptId?: string): Promise<boolean> {
  let q = trx.selectFrom('catalogCategory').select('id').where('handle', '=', handle);
  if (exceptId) q = q.where('id', '<>', exceptId);
  return (await q.executeTakeFirst()) !== undefined;
}

async function parentOf(trx: Tx, parentId: string): Promise<Pick<Row, 'id' | 'path' | 'depth'>> {
  const parent = await trx.selectFrom('catalogCategory').select(['id', 'path', 'depth']).where('id', '=', parentId).executeTakeFirst();
  if (!parent) throw catalogError('CATALOG_UNKNOWN_CATEGORY', { detail: `No category ${parentId}`, fields: [{ field: '/parentId', message: 'is not a category' }] });
  return parent;
}

export async function createCategory(deps: CatalogDeps, actor: Actor, input: CreateCategoryBody): Promise<CategoryAdmin> {
  assertTranslationLocales(deps.shop, input.translations);
  return withTransaction(deps.db, async (trx) => {
    await lockTree(trx);
    const parent = input.parentId ? await parentOf(trx, input.parentId) : undefined;
    const id = newId('cat');
    const row = await trx
      .insertInto('catalogCategory')
      .values({
        id,
        handle: input.handle,
        name: input.name,
        description: input.description ?? null,
        parentId: parent?.id ?? null,
        position: input.position ?? 0,
        path: `${parent?.path ?? '/'}${id}/`,
        depth: parent ? parent.depth + 1 : 0,
        translations: JSON.stringify(input.translations ?? {}),
      })
      .onConflict((oc) => oc.column('handle').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) throw catalogError('CATALOG_HANDLE_TAKEN', { detail: `Another category has the handle ${input.handle}`, fields: [{ field: '/handle', message: 'is taken' }] });
    await deps.audit.record(trx, {
      actorId: actor.staffId,
      action: 'category.created',
      targetType: 'category',
      targetId: id,
      data: { handle: row.handle, parentId: row.parentId },
      ip: actor.ip,
    });
    await publish(trx, 'catalog.category_created', { categoryId: id, parentId: row.parentId });
    return toCategoryAdmin(row);
  });
}

/**
 * Moves `current` (and its subtree) under `parentId` (null: to the root): every path starting
 * with the old one is rewritten in one statement. Returns the new depth of `current`.
 */
async function moveSubtree(trx: Tx, current: Row, parentId: string | null): Promise<number> {
  let newPath = `/${current.id}/`;
  let newDepth = 0;
  if (parentId !== null) {
    const parent = await parentOf(trx, parentId);
    if (parent.path.startsWith(current.path)) {
      throw catalogError('CATALOG_CATEGORY_CYCLE', {
        detail: parent.id === current.id ? 'A category cannot be its own parent' : `${parent.id} is inside ${current.id}`,
        fields: [{ field: '/parentId', message: 'is the category itself or one of its descendants' }],
      });
    }
    newPath = `${parent.path}${current.id}/`;
    newDepth = parent.depth + 1;
  }
  await trx
    .updateTable('catalogCategory')
    .set({
      path: sql<string>`${newPath} || substr(path, ${current.path.length + 1})`,
      depth: sql<number>`depth + ${newDepth - current.depth}`,
      updatedAt: sql`now()`,
    })
    .where('path', 'like', `${escapeLike(current.path)}%`)
    .execute();
  return newDepth;
}

export async function updateCategory(deps: CatalogDeps, actor: Actor, id: string, patch: UpdateCategoryBody): Promise<CategoryAdmin> {
  assertTranslationLocales(deps.shop, patch.translations);
  return withTransaction(deps.db, async (trx) => {
    await lockTree(trx);
    const current = await trx.selectFrom('catalogCategory').selectAll().where('id', '=', id).executeTakeFirst();
    if (!current) throw catalogError('CATALOG_CATEGORY_NOT_FOUND');
    if (patch.handle !== undefined && patch.handle !== current.handle && (await handleTaken(trx, patch.handle, id))) {
      throw catalogError('CATALOG_HANDLE_TAKEN', { detail: `Another category has the handle ${patch.handle}`, fields: [{ field: '/handle', message: 'is taken' }] });
    }
    const moved = patch.parentId !== undefined && patch.parentId !== current.parentId;
    if (moved) await moveSubtree(trx, current, patch.parentId ?? null);
    const row = await trx
      .updateTable('catalogCategory')
      .set({
        ...(patch.handle !== undefined ? { handle: patch.handle } : {}),
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.position !== undefined ? { position: patch.position } : {}),
        ...(patch.translations !== undefined ? { translations: JSON.stringify(patch.translations) } : {}),
        ...(moved ? { parentId: patch.parentId ?? null } : {}),
        updatedAt: sql`now()`,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await deps.audit.record(trx, {
      actorId: actor.staffId,
      action: 'category.updated',
      targetType: 'category',
      targetId: id,
      data: { changes: patch, ...(moved ? { previousParentId: current.parentId } : {}) },
      ip: actor.ip,
    });
    await publish(trx, 'catalog.category_updated', { categoryId: id, moved, ...(moved ? { previousPath: current.path, path: row.path } : {}) });
    return toCategoryAdmin(row);
  });
}

/** Deletes a leaf category; products in it just lose the link. Throws 409 `CATALOG_CATEGORY_NOT_EMPTY` when it has children. */
export async function deleteCategory(deps: CatalogDeps, actor: Actor, id: string): Promise<void> {
  await withTransaction(deps.db, async (trx) => {
    await lockTree(trx);
    const current = await trx.selectFrom('catalogCategory').select(['id', 'handle', 'path']).where('id', '=', id).executeTakeFirst();
    if (!current) throw catalogError('CATALOG_CATEGORY_NOT_FOUND');
    const child = await trx.selectFrom('catalogCategory').select('id').where('parentId', '=', id).limit(1).executeTakeFirst();
    if (child) throw catalogError('CATALOG_CATEGORY_NOT_EMPTY', { detail: 'Move or delete its subcategories first' });
    const { n } = await trx
      .selectFrom('catalogProductCategory')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('categoryId', '=', id)
      .executeTakeFirstOrThrow();
    await trx.deleteFrom('catalogCategory').where('id', '=', id).execute();
    await deps.audit.record(trx, {
      actorId: actor.staffId,
      action: 'category.deleted',
      targetType: 'category',
      targetId: id,
      data: { handle: current.handle, unlinkedProducts: Number(n) },
      ip: actor.ip,
    });
    await publish(trx, 'catalog.category_deleted', { categoryId: id, path: current.path });
  });
}

export async function getCategoryAdmin(db: Kysely<Database>, id: string): Promise<CategoryAdmin> {
  const row = await db.selectFrom('catalogCategory').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw catalogError('CATALOG_CATEGORY_NOT_FOUND');
  return toCategoryAdmin(row);
}

/** Every category, flat, in path order (each parent before its subtree). */
export async function listCategoriesAdmin(db: Kysely<Database>): Promise<CategoryAdmin[]> {
  // Byte order, so that a parent sorts right before its subtree whatever the database collation.
  const rows = await db.selectFrom('catalogCategory').selectAll().orderBy(sql`path collate "C"`).execute();
  return rows.map(toCategoryAdmin);
}

/**
 * Builds the nested tree from flat rows: names in `locale`, siblings by position then name.
 * Pure, so the store can cache the rows and build trees per locale.
 */
export function buildTree(
  rows: readonly Pick<Row, 'id' | 'handle' | 'name' | 'description' | 'parentId' | 'position' | 'translations'>[],
  locale: string,
  defaultLocale: string,
): CategoryNode[] {
  const nodes = new Map<string, CategoryNode>();
  for (const r of rows) {
    nodes.set(r.id, {
      id: r.id,
      handle: r.handle,
      name: localised(r.name, r.translations, 'name', locale, defaultLocale) ?? r.name,
      description: localised(r.description, r.translations, 'description', locale, defaultLocale),
      position: r.position,
      children: [],
    });
  }
  const roots: CategoryNode[] = [];
  for (const r of rows) {
    const node = nodes.get(r.id)!;
    const parent = r.parentId ? nodes.get(r.parentId) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  const collator = new Intl.Collator(locale);
  const sort = (list: CategoryNode[]) => {
    list.sort((a, b) => a.position - b.position || collator.compare(a.name, b.name) || (a.id < b.id ? -1 : 1));
    for (const n of list) sort(n.children);
  };
  sort(roots);
  return roots;
}

/** The whole category tree for the store, names resolved for `locale` (falling back to the default locale). */
export async function categoryTree(db: Kysely<Database>, locale: string, defaultLocale: string): Promise<CategoryNode[]> {
  const rows = await db.selectFrom('catalogCategory').select(['id', 'handle', 'name', 'description', 'parentId', 'position', 'translations']).execute();
  return buildTree(rows, locale, defaultLocale);
}

/** One category by handle with its breadcrumbs (root → self) and children. Throws 404 `CATALOG_CATEGORY_NOT_FOUND`. */
export async function categoryByHandle(db: Kysely<Database>, handle: string, locale: string, defaultLocale: string): Promise<StoreCategory> {
  const row = await db.selectFrom('catalogCategory').selectAll().where('handle', '=', handle).executeTakeFirst();
  if (!row) throw catalogError('CATALOG_CATEGORY_NOT_FOUND', { detail: `No category ${handle}` });
  const ancestorIds = pathIds(row.path).filter((x) => x !== row.id);
  const related = await db
    .selectFrom('catalogCategory')
    .select(['id', 'handle', 'name', 'translations', 'parentId', 'position', 'depth'])
    .where((eb) => (ancestorIds.length ? eb.or([eb('id', 'in', ancestorIds), eb('parentId', '=', row.id)]) : eb('parentId', '=', row.id)))
    .execute();
  const ancestors = related.filter((r) => r.id !== row.id && ancestorIds.includes(r.id)).sort((a, b) => a.depth - b.depth);
  const children = buildTree(
    related.filter((r) => r.parentId === row.id).map((r) => ({ ...r, description: null, parentId: null })),
    locale,
    defaultLocale,
  );
  const self = toLink(row, locale, defaultLocale);
  return {
    id: row.id,
    handle: row.handle,
    name: self.name,
    description: localised(row.description, row.translations, 'description', locale, defaultLocale),
    parentId: row.parentId,
    breadcrumbs: [...ancestors.map((a) => toLink(a, locale, defaultLocale)), self],
    children: children.map(({ id, handle: h, name }) => ({ id, handle: h, name })),
  };
}

/** The path of the category with `handle` (`/root/…/self/`), or null. Subtree filter: `path like $1 || '%'`. */
export async function categoryPathByHandle(db: Kysely<Database>, handle: string): Promise<string | null> {
  const row = await db.selectFrom('catalogCategory').select('path').where('handle', '=', handle).executeTakeFirst();
  return row?.path ?? null;
}

/**
 * One breadcrumb trail (root → leaf) per category the product is in, ordered by path. Two
 * queries at most: the product's category paths, then every category on those paths.
 */
export async function breadcrumbsForProduct(db: Kysely<Database>, productId: string, locale: string, defaultLocale: string): Promise<CategoryLink[][]> {
  const paths = await db
    .selectFrom('catalogProductCategory as pc')
    .innerJoin('catalogCategory as c', 'c.id', 'pc.categoryId')
    .select('c.path')
    .where('pc.productId', '=', productId)
    .orderBy(sql`c.path collate "C"`)
    .execute();
  if (paths.length === 0) return [];
  const ids = [...new Set(paths.flatMap((p) => pathIds(p.path)))];
  const rows = await db.selectFrom('catalogCategory').select(['id', 'handle', 'name', 'translations']).where('id', 'in', ids).execute();
  const links = new Map(rows.map((r) => [r.id, toLink(r, locale, defaultLocale)]));
  return paths.map((p) => pathIds(p.path).flatMap((id) => links.get(id) ?? []));
}

/**
 * Throws 400 `CATALOG_UNKNOWN_CATEGORY` unless every id names a category; `fields` has one
 * entry per unknown id (`<field>/<index>`).
 */
export async function assertCategoriesExist(db: Kysely<Database>, ids: string[], field = '/categoryIds'): Promise<void> {
  const wanted = [...new Set(ids)];
  if (wanted.length === 0) return;
  const found = new Set((await db.selectFrom('catalogCategory').select('id').where('id', 'in', wanted).execute()).map((r) => r.id));
  const fields = ids.flatMap((id, i) => (found.has(id) ? [] : [{ field: `${field}/${i}`, message: `no category ${id}` }]));
  if (fields.length) throw catalogError('CATALOG_UNKNOWN_CATEGORY', { detail: `Unknown categories: ${[...new Set(ids.filter((id) => !found.has(id)))].join(', ')}`, fields });
}
