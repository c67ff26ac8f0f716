import { randomInt } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import { withTransaction } from '../../platform/db/index.js';
import type { Actor, PromotionDeps } from './deps.js';
import { amountCurrency } from './engine.js';
import { promotionError } from './errors.js';
import { blocker, loadCandidates, normalizeCode } from './evaluate.js';

/** What a cart tells about itself when a code is entered. */
export interface CodeContext {
  customerId: string | null;
  currency: string;
  /** Codes the cart holds already. */
  codes: readonly string[];
}

/** Coupons per order. */
export const MAX_COUPONS_PER_ORDER = 1;

/**
 * Checks a code entered on a cart and returns it as stored (upper-case). Reads only through
 * `db` (the cart's transaction). Throws COUPON_NOT_FOUND (unknown, deleted, or claimed by
 * another customer), COUPON_NOT_ACTIVE, COUPON_EXPIRED, COUPON_USAGE_LIMIT_REACHED,
 * COUPON_CUSTOMER_LIMIT_REACHED, COUPON_LOGIN_REQUIRED, CAMPAIGN_BUDGET_EXHAUSTED,
 * COUPON_NOT_APPLICABLE (currency or customer conditions), COUPON_ONE_PER_ORDER.
 */
export async function validateCode(deps: PromotionDeps, db: Kysely<Database>, rawCode: string, ctx: CodeContext): Promise<string> {
  const code = normalizeCode(rawCode);
  const now = deps.now?.() ?? new Date();
  const row = (await loadCandidates(db, [code], ctx.customerId, now)).find((r) => r.kind === 'coupon' && (r.code === code || r.generatedCode === code));
  if (!row) throw promotionError('COUPON_NOT_FOUND', { detail: `No coupon ${code}` });
  const blocked = blocker(row, ctx.customerId, ctx.currency, now);
  if (blocked) throw promotionError(blocked.error, { detail: `${code}: ${blocked.reason}` });
  const currency = amountCurrency(row.conditions);
  for (const c of row.conditions) {
    if (c.type === 'currency' && !c.currencies.includes(ctx.currency)) throw promotionError('COUPON_NOT_APPLICABLE', { detail: `${code} is only for ${c.currencies.join(', ')} carts` });
    if ((c.type === 'logged_in' || c.type === 'customers' || c.type === 'first_order') && !ctx.customerId) throw promotionError('COUPON_LOGIN_REQUIRED', { detail: `Sign in to use ${code}` });
    if (c.type === 'customers' && !c.customerIds.includes(ctx.customerId!)) throw promotionError('COUPON_NOT_APPLICABLE', { detail: `${code} is not offered to you` });
    if (c.type === 'first_order' && deps.hasPlacedOrder && (await deps.hasPlacedOrder(db, ctx.customerId!))) {
      throw promotionError('COUPON_NOT_APPLICABLE', { detail: `${code} is only for a first order` });
    }
  }
  if (currency && currency !== ctx.currency) throw promotionError('COUPON_NOT_APPLICABLE', { detail: `${code} is only for ${currency} carts` });
  const others = ctx.codes.map(normalizeCode).filter((c) => c !== code);
  if (others.length >= MAX_COUPONS_PER_ORDER) throw promotionError('COUPON_ONE_PER_ORDER', { detail: `Remove ${others.join(', ')} first` });
  return code;
}

// Crockford-like: no 0/O, 1/I/L, so codes read aloud or typed stay unambiguous.
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

function randomCode(prefix: string, length: number): string {
  let out = prefix;
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)]!;
  return out;
}

async function couponRow(db: Kysely<Database>, id: string) {
  const row = await db.selectFrom('promotion').selectAll().where('id', '=', id).where('deletedAt', 'is', null).executeTakeFirst();
  if (!row) throw promotionError('PROMOTION_NOT_FOUND', { detail: `No coupon ${id}` });
  if (row.kind !== 'coupon') throw promotionError('COUPON_NOT_A_COUPON');
  return row;
}

/**
 * Generates `count` new unique single-use codes for coupon `id` (prefix + 10 random characters
 * from a 31-letter alphabet); collisions are skipped by the primary key and drawn again.
 * Audited `coupon.codes_generated`. Throws PROMOTION_NOT_FOUND, COUPON_NOT_A_COUPON.
 */
export async function generateCodes(deps: PromotionDeps, actor: Actor, id: string, count: number, prefix = ''): Promise<string[]> {
  return withTransaction(deps.db, async (trx) => {
    await couponRow(trx, id);
    const made: string[] = [];
    for (let round = 0; made.length < count && round < 10; round++) {
      const batch = [...new Set(Array.from({ length: count - made.length }, () => randomCode(normalizeCode(prefix), 10)))];
      for (let i = 0; i < batch.length; i += 1000) {
        const rows = await trx
          .insertInto('promotionCode')
          .values(batch.slice(i, i + 1000).map((code) => ({ code, promotionId: id, customerId: null, claimedAt: null })))
          .onConflict((oc) => oc.column('code').doNothing())
          .returning('code')
          .execute();
        made.push(...rows.map((r) => r.code));
      }
    }
    await deps.audit.record(trx, { actorId: actor.staffId, action: 'coupon.codes_generated', targetType: 'promotion', targetId: id, data: { count: made.length }, ip: actor.ip });
    return made;
  });
}

/** A coupon's generated codes, in code order (at most `limit` after `cursor`). */
export async function listCodes(deps: PromotionDeps, id: string, limit: number, after: string | undefined) {
  await couponRow(deps.db, id);
  let q = deps.db.selectFrom('promotionCode').select(['code', 'customerId', 'usedCount', 'claimedAt', 'createdAt']).where('promotionId', '=', id).orderBy('code').limit(limit + 1);
  if (after) q = q.where('code', '>', after);
  const rows = await q.execute();
  const page = rows.slice(0, limit);
  return { items: page.map((r) => ({ ...r, claimedAt: r.claimedAt ? new Date(r.claimedAt).toISOString() : null, createdAt: new Date(r.createdAt).toISOString() })), nextCursor: rows.length > limit ? page.at(-1)!.code : null };
}

/**
 * Claims a personal single-use code of a claimable coupon into the customer's wallet: one per
 * customer (409 COUPON_ALREADY_CLAIMED), and no more claims than the coupon's usage limit
 * (409 COUPON_USAGE_LIMIT_REACHED). Throws PROMOTION_NOT_FOUND, COUPON_NOT_CLAIMABLE,
 * COUPON_NOT_ACTIVE, COUPON_EXPIRED.
 */
export async function claim(deps: PromotionDeps, customerId: string, id: string) {
  const now = deps.now?.() ?? new Date();
  const code = await withTransaction(deps.db, async (trx) => {
    // The row lock serialises claims of one coupon, so the claim count holds.
    const p = await trx.selectFrom('promotion').selectAll().where('id', '=', id).where('deletedAt', 'is', null).forUpdate().executeTakeFirst();
    if (!p || p.kind !== 'coupon' || !p.claimable) throw p ? promotionError('COUPON_NOT_CLAIMABLE') : promotionError('PROMOTION_NOT_FOUND', { detail: `No coupon ${id}` });
    if (!p.active || (p.startsAt && now < p.startsAt)) throw promotionError('COUPON_NOT_ACTIVE');
    if (p.endsAt && now >= p.endsAt) throw promotionError('COUPON_EXPIRED');
    const mine = await trx.selectFrom('promotionCode').select('code').where('promotionId', '=', id).where('customerId', '=', customerId).executeTakeFirst();
    if (mine) throw promotionError('COUPON_ALREADY_CLAIMED', { detail: `Your code is ${mine.code}` });
    if (p.usageLimit !== null) {
      const { n } = await trx.selectFrom('promotionCode').select(sql<number>`count(*)::int`.as('n')).where('promotionId', '=', id).where('customerId', 'is not', null).executeTakeFirstOrThrow();
      if (n >= p.usageLimit) throw promotionError('COUPON_USAGE_LIMIT_REACHED', { detail: 'All codes of this coupon have been claimed' });
    }
    for (;;) {
      const row = await trx
        .insertInto('promotionCode')
        .values({ code: randomCode('', 12), promotionId: id, customerId, claimedAt: now })
        .onConflict((oc) => oc.column('code').doNothing())
        .returning('code')
        .executeTakeFirst();
      if (row) return row.code;
    }
  });
  return (await wallet(deps, customerId)).find((w) => w.code === code)!;
}

/** The customer's claimed codes, newest first, with their coupon and whether each can still be used. */
export async function wallet(deps: PromotionDeps, customerId: string) {
  const now = deps.now?.() ?? new Date();
  const rows = await deps.db
    .selectFrom('promotionCode as c')
    .innerJoin('promotion as p', 'p.id', 'c.promotionId')
    .select(['c.code', 'c.usedCount', 'c.claimedAt', 'p.id as promotionId', 'p.name', 'p.startsAt', 'p.endsAt', 'p.active', 'p.deletedAt'])
    .where('c.customerId', '=', customerId)
    .orderBy('c.claimedAt', 'desc')
    .orderBy('c.code')
    .execute();
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  return rows.map((r) => ({
    code: r.code,
    promotionId: r.promotionId,
    name: r.name,
    startsAt: iso(r.startsAt),
    endsAt: iso(r.endsAt),
    claimedAt: iso(r.claimedAt),
    status: (r.usedCount > 0 ? 'used' : r.deletedAt || !r.active || (r.endsAt && now >= new Date(r.endsAt)) ? 'expired' : 'available') as 'used' | 'expired' | 'available',
  }));
}
