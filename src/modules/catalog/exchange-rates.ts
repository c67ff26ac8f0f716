import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import { withTransaction } from '../../platform/db/index.js';
import type { FieldProblem } from '../../platform/errors.js';
import { publish } from '../../platform/events/index.js';
import { isCurrency, isRate } from '../../platform/money.js';
import type { Actor, CatalogDeps } from './deps.js';
import { catalogError } from './errors.js';
import type { ExchangeRate } from './schemas-taxonomy.js';

/**
 * A decimal string without insignificant zeros: `'0.138700000000'` → `'0.1387'`,
 * `'7.000000000000'` → `'7'`, `'007.50'` → `'7.5'`. Pure.
 */
export function canonicalDecimal(value: string): string {
  const [int = '0', fraction = ''] = value.trim().split('.');
  const i = int.replace(/^0+(?=\d)/, '');
  const f = fraction.replace(/0+$/, '');
  return f ? `${i}.${f}` : i;
}

/**
 * A rate as sent over HTTP: a decimal string as is, or a finite positive JSON number spelled
 * with `String(n)` (so `1e-7` stays invalid rather than being silently reinterpreted).
 * Returns null for anything else.
 */
export function rateFromInput(rate: string | number): string | null {
  if (typeof rate === 'string') return rate;
  return Number.isFinite(rate) && rate > 0 ? String(rate) : null;
}

function toRate(row: { base: string; quote: string; rate: string; updatedAt: Date }): ExchangeRate {
  return { base: row.base.trim(), quote: row.quote.trim(), rate: canonicalDecimal(String(row.rate)), updatedAt: new Date(row.updatedAt).toISOString() };
}

/** Every configured rate, by base then quote. */
export async function listExchangeRates(db: Kysely<Database>): Promise<ExchangeRate[]> {
  const rows = await db.selectFrom('catalogExchangeRate').selectAll().orderBy('base').orderBy('quote').execute();
  return rows.map(toRate);
}

function assertPair(base: string, quote: string): void {
  const fields: FieldProblem[] = [];
  if (!isCurrency(base)) fields.push({ field: 'params:/base', message: 'is not a known ISO 4217 currency' });
  if (!isCurrency(quote)) fields.push({ field: 'params:/quote', message: 'is not a known ISO 4217 currency' });
  if (fields.length) throw catalogError('CATALOG_UNKNOWN_CURRENCY', { detail: fields.map((f) => f.field).join(', '), fields });
}

/**
 * Sets the rate of `quote` per one `base` (insert or replace). Throws 400
 * `CATALOG_UNKNOWN_CURRENCY` for an unknown code and 400 `CATALOG_INVALID_RATE` when base equals
 * quote or the rate is not a positive decimal with at most 12 digits either side of the point.
 */
export async function putExchangeRate(deps: CatalogDeps, actor: Actor, input: { base: string; quote: string; rate: string }): Promise<ExchangeRate> {
  const { base, quote } = input;
  assertPair(base, quote);
  if (base === quote) {
    throw catalogError('CATALOG_INVALID_RATE', { detail: 'Base and quote must differ', fields: [{ field: 'params:/quote', message: 'must differ from base' }] });
  }
  if (!isRate(input.rate)) {
    throw catalogError('CATALOG_INVALID_RATE', {
      detail: 'The rate must be a positive decimal such as "0.1387" (up to 12 digits before and after the point)',
      fields: [{ field: '/rate', message: 'must be a positive decimal string' }],
    });
  }
  const rate = canonicalDecimal(input.rate);
  return withTransaction(deps.db, async (trx) => {
    const previous = await trx.selectFrom('catalogExchangeRate').select('rate').where('base', '=', base).where('quote', '=', quote).executeTakeFirst();
    const row = await trx
      .insertInto('catalogExchangeRate')
      .values({ base, quote, rate })
      .onConflict((oc) => oc.columns(['base', 'quote']).doUpdateSet({ rate, updatedAt: sql`now()` }))
      .returningAll()
      .executeTakeFirstOrThrow();
    await deps.audit.record(trx, {
      actorId: actor.staffId,
      action: 'exchange_rate.updated',
      targetType: 'exchange_rate',
      targetId: `${base}/${quote}`,
      data: { rate, previousRate: previous ? canonicalDecimal(String(previous.rate)) : null },
      ip: actor.ip,
    });
    await publish(trx, 'catalog.exchange_rate_updated', { base, quote, rate });
    return toRate(row);
  });
}

/** Throws 404 `CATALOG_EXCHANGE_RATE_NOT_FOUND` when no such rate is set. */
export async function deleteExchangeRate(deps: CatalogDeps, actor: Actor, base: string, quote: string): Promise<void> {
  await withTransaction(deps.db, async (trx) => {
    const row = await trx.deleteFrom('catalogExchangeRate').where('base', '=', base).where('quote', '=', quote).returning('rate').executeTakeFirst();
    if (!row) throw catalogError('CATALOG_EXCHANGE_RATE_NOT_FOUND', { detail: `No rate ${base}/${quote}` });
    await deps.audit.record(trx, {
      actorId: actor.staffId,
      action: 'exchange_rate.deleted',
      targetType: 'exchange_rate',
      targetId: `${base}/${quote}`,
      data: { previousRate: canonicalDecimal(String(row.rate)) },
      ip: actor.ip,
    });
    await publish(trx, 'catalog.exchange_rate_updated', { base, quote, rate: null });
  });
}

/**
 * Units of `quote` per one `base` as a canonical decimal string (`'0.1387'`), ready for
 * `convert()`; `'1'` when the currencies are the same; null when no rate is set. Only the
 * direct pair is used: an inverse rate is not derived (it would not be exact).
 */
export async function getRate(db: Kysely<Database>, base: string, quote: string): Promise<string | null> {
  if (base === quote) return '1';
  const row = await db.selectFrom('catalogExchangeRate').select('rate').where('base', '=', base).where('quote', '=', quote).executeTakeFirst();
  return row ? canonicalDecimal(String(row.rate)) : null;
}
