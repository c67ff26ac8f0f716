import { sql, type Selectable } from 'kysely';
import { withTransaction } from '../../platform/db/index.js';
import { newId } from '../../platform/ids.js';
import { isUniqueViolation } from '../../platform/pg-errors.js';
import type { Actor, CartDeps } from './deps.js';
import { cartError } from './errors.js';
import type { ShippingMethodRow } from './pricing.js';
import type {
  CreateShippingMethodBody,
  CreateTaxRateBody,
  ShippingMethod,
  TaxRate,
  UpdateShippingMethodBody,
  UpdateTaxRateBody,
} from './schemas.js';
import type { TaxRateTable, WeightTier } from './tables.js';

const now = sql<Date>`now()`;
const iso = (d: Date | string) => new Date(d).toISOString();

function toShippingMethod(row: ShippingMethodRow): ShippingMethod {
  return { ...row, weightTiers: row.weightTiers ?? [], createdAt: iso(row.createdAt), updatedAt: iso(row.updatedAt) };
}

function toTaxRate(row: Selectable<TaxRateTable>): TaxRate {
  return { ...row, createdAt: iso(row.createdAt), updatedAt: iso(row.updatedAt) };
}

interface MethodFields {
  name: string;
  countries: string[];
  currency: string | null;
  type: 'flat' | 'weight';
  amount: number;
  freeOver: number | null;
  weightTiers: WeightTier[];
  active: boolean;
  position: number;
}

const invalid = (field: string, message: string) => cartError('SHIPPING_METHOD_INVALID', { detail: `${field} ${message}`, fields: [{ field, message }] });

/**
 * Checks and normalises a whole method: countries upper-cased and de-duplicated; a flat method
 * keeps no tiers and a weight method no flat amount; tiers ascending with distinct bounds; a
 * currency the shop sells in, or none (any currency) for a free flat method only.
 */
function normaliseMethod(deps: CartDeps, m: MethodFields): MethodFields {
  const countries = [...new Set(m.countries.map((c) => c.toUpperCase()))];
  let { amount, weightTiers } = m;
  if (m.type === 'flat') weightTiers = [];
  else {
    amount = 0;
    weightTiers = [...weightTiers].sort((a, b) => a.upToGrams - b.upToGrams);
    if (weightTiers.length === 0) throw invalid('/weightTiers', 'needs at least one tier for a weight method');
    if (weightTiers.some((t, i) => i > 0 && t.upToGrams === weightTiers[i - 1]!.upToGrams)) throw invalid('/weightTiers', 'bounds must be distinct');
  }
  if (m.currency === null) {
    if (m.type !== 'flat' || amount !== 0 || m.freeOver !== null) throw invalid('/currency', 'may be null (any currency) only for a free flat method without freeOver');
  } else if (!deps.shop.currencies.includes(m.currency)) {
    throw invalid('/currency', `must be one the shop sells in (${deps.shop.currencies.join(', ')}) or null`);
  }
  return { ...m, countries, amount, weightTiers };
}

const methodValues = (m: MethodFields) => ({ ...m, weightTiers: JSON.stringify(m.weightTiers) });

/** Every shipping method, in display order. */
export async function listShippingMethods(deps: CartDeps): Promise<ShippingMethod[]> {
  const rows = await deps.db.selectFrom('shippingMethod').selectAll().orderBy('position').orderBy('id').execute();
  return rows.map(toShippingMethod);
}

export async function createShippingMethod(deps: CartDeps, actor: Actor, body: CreateShippingMethodBody): Promise<ShippingMethod> {
  const fields = normaliseMethod(deps, {
    name: body.name,
    countries: body.countries ?? [],
    currency: body.currency,
    type: body.type,
    amount: body.amount ?? 0,
    freeOver: body.freeOver ?? null,
    weightTiers: body.weightTiers ?? [],
    active: body.active ?? true,
    position: body.position ?? 0,
  });
  return withTransaction(deps.db, async (trx) => {
    const row = await trx.insertInto('shippingMethod').values({ id: newId('ship'), ...methodValues(fields) }).returningAll().executeTakeFirstOrThrow();
    await deps.audit.record(trx, { actorId: actor.staffId, action: 'shipping_method.created', targetType: 'shipping_method', targetId: row.id, data: { ...fields }, ip: actor.ip });
    return toShippingMethod(row);
  });
}

export async function updateShippingMethod(deps: CartDeps, actor: Actor, id: string, body: UpdateShippingMethodBody): Promise<ShippingMethod> {
  return withTransaction(deps.db, async (trx) => {
    const current = await trx.selectFrom('shippingMethod').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!current) throw cartError('SHIPPING_METHOD_NOT_FOUND');
    const { id: _id, createdAt: _c, updatedAt: _u, ...was } = current;
    const fields = normaliseMethod(deps, { ...was, weightTiers: was.weightTiers ?? [], ...body });
    const row = await trx.updateTable('shippingMethod').set({ ...methodValues(fields), updatedAt: now }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    await deps.audit.record(trx, { actorId: actor.staffId, action: 'shipping_method.updated', targetType: 'shipping_method', targetId: id, data: { ...body }, ip: actor.ip });
    return toShippingMethod(row);
  });
}

/** Deletes a method; carts that chose it lose the choice (foreign key `on delete set null`). */
export async function deleteShippingMethod(deps: CartDeps, actor: Actor, id: string): Promise<void> {
  await withTransaction(deps.db, async (trx) => {
    const row = await trx.deleteFrom('shippingMethod').where('id', '=', id).returning('name').executeTakeFirst();
    if (!row) throw cartError('SHIPPING_METHOD_NOT_FOUND');
    await deps.audit.record(trx, { actorId: actor.staffId, action: 'shipping_method.deleted', targetType: 'shipping_method', targetId: id, data: { name: row.name }, ip: actor.ip });
  });
}

/** Every tax rate, by country then region (country-wide first). */
export async function listTaxRates(deps: CartDeps): Promise<TaxRate[]> {
  const rows = await deps.db.selectFrom('taxRate').selectAll().orderBy('country').orderBy(sql`region is not null`).orderBy('region').orderBy('id').execute();
  return rows.map(toTaxRate);
}

/** Turns the unique index on (country, region) into TAX_RATE_EXISTS; the failed transaction is already gone. */
async function uniqueRate<T>(work: () => Promise<T>, country: () => string): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isUniqueViolation(err, 'tax_rate_country_region_key')) throw cartError('TAX_RATE_EXISTS', { detail: `${country()} already has a rate for this region`, fields: [{ field: '/region', message: 'taken' }] });
    throw err;
  }
}

const region = (value: string | null | undefined) => (value?.trim() ? value.trim() : null);

export async function createTaxRate(deps: CartDeps, actor: Actor, body: CreateTaxRateBody): Promise<TaxRate> {
  const values = { ...body, country: body.country.toUpperCase(), region: region(body.region) };
  return uniqueRate(
    () =>
      withTransaction(deps.db, async (trx) => {
        const row = await trx.insertInto('taxRate').values({ id: newId('tax'), ...values }).returningAll().executeTakeFirstOrThrow();
        await deps.audit.record(trx, { actorId: actor.staffId, action: 'tax_rate.created', targetType: 'tax_rate', targetId: row.id, data: { ...values }, ip: actor.ip });
        return toTaxRate(row);
      }),
    () => values.country,
  );
}

export async function updateTaxRate(deps: CartDeps, actor: Actor, id: string, body: UpdateTaxRateBody): Promise<TaxRate> {
  const values = {
    ...body,
    ...(body.country !== undefined ? { country: body.country.toUpperCase() } : {}),
    ...(body.region !== undefined ? { region: region(body.region) } : {}),
  };
  return uniqueRate(
    () =>
      withTransaction(deps.db, async (trx) => {
        const row = await trx.updateTable('taxRate').set({ ...values, updatedAt: now }).where('id', '=', id).returningAll().executeTakeFirst();
        if (!row) throw cartError('TAX_RATE_NOT_FOUND');
        await deps.audit.record(trx, { actorId: actor.staffId, action: 'tax_rate.updated', targetType: 'tax_rate', targetId: id, data: { ...values }, ip: actor.ip });
        return toTaxRate(row);
      }),
    () => values.country ?? 'This country',
  );
}

export async function deleteTaxRate(deps: CartDeps, actor: Actor, id: string): Promise<void> {
  await withTransaction(deps.db, async (trx) => {
    const row = await trx.deleteFrom('taxRate').where('id', '=', id).returning(['country', 'region']).executeTakeFirst();
    if (!row) throw cartError('TAX_RATE_NOT_FOUND');
    await deps.audit.record(trx, { actorId: actor.staffId, action: 'tax_rate.deleted', targetType: 'tax_rate', targetId: id, data: { ...row }, ip: actor.ip });
  });
}
