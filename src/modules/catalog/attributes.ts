import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, Tx } from '../../platform/db/index.js';
import { withTransaction } from '../../platform/db/index.js';
import type { FieldProblem } from '../../platform/errors.js';
import { publish } from '../../platform/events/index.js';
import type { Actor, CatalogDeps } from './deps.js';
import { catalogError } from './errors.js';
import { assertTranslationLocales } from './locale.js';
import type { Attribute, CreateAttributeBody, UpdateAttributeBody } from './schemas-taxonomy.js';
import type { AttributeType, CatalogAttributeTable } from './tables.js';

type Row = Selectable<CatalogAttributeTable>;
type AttributeTranslations = Row['translations'];

/** A declared attribute, as products are validated against it. */
export interface AttributeDefinition {
  name: string;
  type: AttributeType;
  /** Allowed values (enum only; empty otherwise). */
  values: string[];
  filterable: boolean;
  label: string;
  translations: AttributeTranslations;
}

export function toAttribute(row: Row): Attribute {
  return {
    name: row.name,
    type: row.type,
    label: row.label,
    values: row.values ?? [],
    filterable: row.filterable,
    position: row.position,
    translations: row.translations ?? {},
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

/** A JSON Pointer segment (RFC 6901) for an object key. */
const pointer = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * Checks a product's attribute values against the declarations: each key must be declared,
 * text a string, number a finite number, boolean a boolean, enum one of its values. Returns one
 * problem per bad key (`/attributes/<name>`), none when all is well. Pure.
 */
export function validateAttributeValues(
  defs: ReadonlyMap<string, Pick<AttributeDefinition, 'type' | 'values'>>,
  values: Record<string, unknown>,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const [name, value] of Object.entries(values)) {
    const field = `/attributes/${pointer(name)}`;
    const def = defs.get(name);
    if (!def) {
      problems.push({ field, message: 'is not a declared attribute' });
      continue;
    }
    switch (def.type) {
      case 'text':
        if (typeof value !== 'string') problems.push({ field, message: 'must be a string' });
        break;
      case 'number':
        if (typeof value !== 'number') problems.push({ field, message: 'must be a number' });
        else if (!Number.isFinite(value)) problems.push({ field, message: 'must be a finite number' });
        break;
      case 'boolean':
        if (typeof value !== 'boolean') problems.push({ field, message: 'must be true or false' });
        break;
      case 'enum':
        if (typeof value !== 'string' || !def.values.includes(value)) problems.push({ field, message: `must be one of ${def.values.join(', ')}` });
        break;
    }
  }
  return problems;
}

/**
 * The declaration rules that need more than a schema: enum values present, non-empty and unique
 * (other types take none), and translated value labels only for declared values. Pure.
 */
export function definitionProblems(type: AttributeType, values: readonly string[] | undefined, translations: AttributeTranslations | undefined): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (type === 'enum') {
    if (!values || values.length === 0) problems.push({ field: '/values', message: 'an enum attribute needs at least one value' });
    else {
      const seen = new Set<string>();
      values.forEach((v, i) => {
        if (seen.has(v)) problems.push({ field: `/values/${i}`, message: `repeats ${v}` });
        seen.add(v);
      });
    }
  } else if (values !== undefined && values.length > 0) {
    problems.push({ field: '/values', message: `only enum attributes take values (this one is ${type})` });
  }
  const allowed = new Set(type === 'enum' ? values : []);
  for (const [locale, t] of Object.entries(translations ?? {})) {
    for (const key of Object.keys(t.values ?? {})) {
      if (!allowed.has(key)) problems.push({ field: `/translations/${pointer(locale)}/values/${pointer(key)}`, message: type === 'enum' ? 'is not one of the values' : 'only enum values have labels' });
    }
  }
  return problems;
}

function assertDefinition(type: AttributeType, values: readonly string[] | undefined, translations: AttributeTranslations | undefined): void {
  const fields = definitionProblems(type, values, translations);
  if (fields.length) throw catalogError('CATALOG_INVALID_ATTRIBUTE_DEFINITION', { detail: fields.map((f) => `${f.field} ${f.message}`).join('; '), fields });
}

export async function createAttribute(deps: CatalogDeps, actor: Actor, input: CreateAttributeBody): Promise<Attribute> {
  assertTranslationLocales(deps.shop, input.translations);
  assertDefinition(input.type, input.values, input.translations);
  return withTransaction(deps.db, async (trx) => {
    const row = await trx
      .insertInto('catalogAttribute')
      .values({
        name: input.name,
        type: input.type,
        label: input.label,
        values: input.type === 'enum' ? (input.values ?? []) : [],
        filterable: input.filterable ?? true,
        position: input.position ?? 0,
        translations: JSON.stringify(input.translations ?? {}),
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) throw catalogError('CATALOG_ATTRIBUTE_EXISTS', { detail: `An attribute named ${input.name} exists`, fields: [{ field: '/name', message: 'is taken' }] });
    await deps.audit.record(trx, {
      actorId: actor.staffId,
      action: 'attribute.created',
      targetType: 'attribute',
      targetId: row.name,
      data: { type: row.type, values: row.values },
      ip: actor.ip,
    });
    await publish(trx, 'catalog.attribute_updated', { name: row.name, change: 'created' });
    return toAttribute(row);
  });
}

/** Enum values among `values` that some product uses for attribute `name`. */
async function valuesInUse(trx: Tx, name: string, values: string[]): Promise<string[]> {
  if (values.length === 0) return [];
  const rows = await trx
    .selectFrom('catalogProduct')
    .select(sql<string>`attributes ->> ${name}`.as('value'))
    .distinct()
    .where(sql<boolean>`attributes ->> ${name} = any(${values}::text[])`)
    .execute();
  return rows.map((r) => r.value);
}

/** Drops labels of values that are no longer declared. */
function pruneValueLabels(translations: AttributeTranslations, values: readonly string[]): AttributeTranslations {
  const keep = new Set(values);
  return Object.fromEntries(
    Object.entries(translations).map(([locale, t]) => [
      locale,
      t.values ? { ...t, values: Object.fromEntries(Object.entries(t.values).filter(([v]) => keep.has(v))) } : t,
    ]),
  );
}

export async function updateAttribute(deps: CatalogDeps, actor: Actor, name: string, patch: UpdateAttributeBody): Promise<Attribute> {
  assertTranslationLocales(deps.shop, patch.translations);
  return withTransaction(deps.db, async (trx) => {
    const current = await trx.selectFrom('catalogAttribute').selectAll().where('name', '=', name).forUpdate().executeTakeFirst();
    if (!current) throw catalogError('CATALOG_ATTRIBUTE_NOT_FOUND', { detail: `No attribute ${name}` });
    const values = patch.values ?? current.values;
    let translations = patch.translations ?? current.translations ?? {};
    if (patch.values !== undefined && patch.translations === undefined) translations = pruneValueLabels(translations, values);
    assertDefinition(current.type, current.type === 'enum' ? values : patch.values, translations);
    const removed = current.values.filter((v) => !values.includes(v));
    const used = await valuesInUse(trx, name, removed);
    if (used.length) {
      throw catalogError('CATALOG_ATTRIBUTE_IN_USE', {
        detail: `Products still use ${used.join(', ')}`,
        fields: used.map((v) => ({ field: '/values', message: `${v} is used by products` })),
      });
    }
    const row = await trx
      .updateTable('catalogAttribute')
      .set({
        ...(patch.label !== undefined ? { label: patch.label } : {}),
        ...(patch.values !== undefined ? { values } : {}),
        ...(patch.filterable !== undefined ? { filterable: patch.filterable } : {}),
        ...(patch.position !== undefined ? { position: patch.position } : {}),
        translations: JSON.stringify(translations),
        updatedAt: sql`now()`,
      })
      .where('name', '=', name)
      .returningAll()
      .executeTakeFirstOrThrow();
    await deps.audit.record(trx, {
      actorId: actor.staffId,
      action: 'attribute.updated',
      targetType: 'attribute',
      targetId: name,
      data: { changes: patch, ...(removed.length ? { removedValues: removed } : {}) },
      ip: actor.ip,
    });
    await publish(trx, 'catalog.attribute_updated', { name, change: 'updated' });
    return toAttribute(row);
  });
}

/** Throws 409 `CATALOG_ATTRIBUTE_IN_USE` while any product has a value for it. */
export async function deleteAttribute(deps: CatalogDeps, actor: Actor, name: string): Promise<void> {
  await withTransaction(deps.db, async (trx) => {
    const current = await trx.selectFrom('catalogAttribute').select(['name', 'type']).where('name', '=', name).forUpdate().executeTakeFirst();
    if (!current) throw catalogError('CATALOG_ATTRIBUTE_NOT_FOUND', { detail: `No attribute ${name}` });
    const { n } = await trx
      .selectFrom('catalogProduct')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where(sql<boolean>`attributes ? ${name}`)
      .executeTakeFirstOrThrow();
    if (Number(n) > 0) throw catalogError('CATALOG_ATTRIBUTE_IN_USE', { detail: `${Number(n)} product(s) have a ${name} value` });
    await trx.deleteFrom('catalogAttribute').where('name', '=', name).execute();
    await deps.audit.record(trx, { actorId: actor.staffId, action: 'attribute.deleted', targetType: 'attribute', targetId: name, data: { type: current.type }, ip: actor.ip });
    await publish(trx, 'catalog.attribute_updated', { name, change: 'deleted' });
  });
}

/** Every attribute, by position then name. */
export async function listAttributes(db: Kysely<Database>): Promise<Attribute[]> {
  const rows = await db.selectFrom('catalogAttribute').selectAll().orderBy('position').orderBy('name').execute();
  return rows.map(toAttribute);
}

/** The declarations by name, for validating product attribute values. */
export async function getAttributeDefinitions(db: Kysely<Database>): Promise<Map<string, AttributeDefinition>> {
  const rows = await db.selectFrom('catalogAttribute').select(['name', 'type', 'values', 'filterable', 'label', 'translations']).execute();
  return new Map(rows.map((r) => [r.name, { name: r.name, type: r.type, values: r.values ?? [], filterable: r.filterable, label: r.label, translations: r.translations ?? {} }]));
}
