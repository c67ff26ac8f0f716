import { sql } from 'kysely';
import type { Tx } from '../../platform/db/index.js';
import { newId } from '../../platform/ids.js';
import { promotionError } from './errors.js';

/** What checkout tells about an order it is placing. */
export interface UsageInput {
  orderId: string;
  customerId: string | null;
  currency: string;
  /** The order's total as placed. */
  total: number;
  /** The cart's applied promotions (amounts as priced in the checkout transaction). */
  applied: { id: string; name: string; code: string | null; amount: number }[];
  codes: string[];
}

/**
 * Counts the order's promotions inside checkout's transaction, re-checking every limit under a
 * lock: the promotion's total (`used_count < usage_limit`, a guarded UPDATE that also locks the
 * row, so redemptions of one promotion are serialised), the customer's reserved redemptions, a
 * generated code's single use, and the campaign budget (`spent + amount <= budget`, guarded).
 * Writes one `promotion_redemption` per promotion. Promotions are taken in id order so two
 * checkouts never lock them in opposite orders. Throws 409 PROMOTION_USAGE_LIMIT_REACHED,
 * PROMOTION_CUSTOMER_LIMIT_REACHED, CAMPAIGN_BUDGET_EXHAUSTED — the caller's transaction (the
 * whole checkout) then rolls back.
 */
export async function recordUsage(trx: Tx, input: UsageInput): Promise<void> {
  const applied = input.applied.filter((a) => a.amount > 0).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  await refuseExhaustedCodes(trx, input, applied);
  for (const a of applied) {
    const p = await trx
      .updateTable('promotion')
      .set({ usedCount: sql<number>`used_count + 1` })
      .where('id', '=', a.id)
      .where((eb) => eb.or([eb('usageLimit', 'is', null), eb('usedCount', '<', eb.ref('usageLimit'))]))
      .returning(['id', 'perCustomerLimit', 'campaignId'])
      .executeTakeFirst();
    if (!p) throw promotionError('PROMOTION_USAGE_LIMIT_REACHED', { detail: `${a.name} has been used as often as allowed` });
    if (p.perCustomerLimit !== null) {
      if (!input.customerId) throw promotionError('PROMOTION_CUSTOMER_LIMIT_REACHED', { detail: `${a.name} is limited per customer: sign in` });
      // The promotion row is locked by the UPDATE above: this count sees every committed redemption.
      const { n } = await trx
        .selectFrom('promotionRedemption')
        .select(sql<number>`count(*)::int`.as('n'))
        .where('promotionId', '=', a.id)
        .where('customerId', '=', input.customerId)
        .where('status', '=', 'reserved')
        .executeTakeFirstOrThrow();
      if (n >= p.perCustomerLimit) throw promotionError('PROMOTION_CUSTOMER_LIMIT_REACHED', { detail: `You have used ${a.name} as often as allowed` });
    }
    if (a.code) {
      // A generated code is single-use; a shared code (on the promotion row) has no row here.
      const generated = await trx.selectFrom('promotionCode').select(['code', 'customerId']).where('code', '=', a.code).executeTakeFirst();
      if (generated) {
        const used = await trx
          .updateTable('promotionCode')
          .set({ usedCount: sql<number>`used_count + 1` })
          .where('code', '=', a.code)
          .where('usedCount', '<', 1)
          .returning('code')
          .executeTakeFirst();
        if (!used || (generated.customerId !== null && generated.customerId !== input.customerId)) {
          throw promotionError('PROMOTION_USAGE_LIMIT_REACHED', { detail: `The code ${a.code} has been used` });
        }
      }
    }
    if (p.campaignId) {
      const ok = await trx
        .updateTable('promotionCampaign')
        .set({ spent: sql<number>`spent + ${a.amount}`, updatedAt: sql<Date>`now()` })
        .where('id', '=', p.campaignId)
        .where(sql<boolean>`budget is null or spent + ${a.amount} <= budget`)
        .returning('id')
        .executeTakeFirst();
      if (!ok) throw promotionError('CAMPAIGN_BUDGET_EXHAUSTED', { detail: `The campaign of ${a.name} has no budget left for this discount` });
    }
    await trx
      .insertInto('promotionRedemption')
      .values({
        id: newId('prd'),
        promotionId: a.id,
        orderId: input.orderId,
        code: a.code,
        customerId: input.customerId,
        campaignId: p.campaignId,
        currency: input.currency,
        amount: a.amount,
        orderTotal: input.total,
        status: 'reserved',
        releasedAt: null,
      })
      .execute();
  }
}

/**
 * A code on the cart that the pricing left out because its limit was reached (by a checkout
 * that committed first) must not silently become a full-price order: 409 instead. Codes left
 * out for other reasons (the cart does not meet its conditions) do not stop the checkout.
 */
async function refuseExhaustedCodes(trx: Tx, input: UsageInput, applied: UsageInput['applied']): Promise<void> {
  const used = new Set(applied.map((a) => a.code));
  const missing = input.codes.map((c) => c.toUpperCase()).filter((c) => !used.has(c));
  if (missing.length === 0) return;
  const rows = await trx
    .selectFrom('promotion as p')
    .leftJoin('promotionCode as pc', (j) => j.onRef('pc.promotionId', '=', 'p.id').on('pc.code', 'in', missing))
    .select(['p.name', 'p.usageLimit', 'p.usedCount', 'pc.code as generated', 'pc.usedCount as codeUsed'])
    .where('p.deletedAt', 'is', null)
    .where((eb) => eb.or([eb('p.code', 'in', missing), eb('pc.code', 'is not', null)]))
    .execute();
  for (const r of rows) {
    if ((r.usageLimit !== null && r.usedCount >= r.usageLimit) || (r.generated !== null && (r.codeUsed ?? 0) >= 1)) {
      throw promotionError('PROMOTION_USAGE_LIMIT_REACHED', { detail: `${r.name} has been used as often as allowed; remove its code to check out without it` });
    }
  }
}

/**
 * Gives back what an order's redemptions counted (promotion and code uses, campaign spend) and
 * marks them released. Idempotent: only `reserved` redemptions are released. Runs in the
 * caller's transaction (an unpaid order's cancellation).
 */
export async function releaseUsage(trx: Tx, orderId: string): Promise<void> {
  const released = await trx
    .updateTable('promotionRedemption')
    .set({ status: 'released', releasedAt: sql<Date>`now()` })
    .where('orderId', '=', orderId)
    .where('status', '=', 'reserved')
    .returning(['promotionId', 'code', 'campaignId', 'amount'])
    .execute();
  released.sort((a, b) => (a.promotionId < b.promotionId ? -1 : 1));
  for (const r of released) {
    await trx.updateTable('promotion').set({ usedCount: sql<number>`greatest(used_count - 1, 0)` }).where('id', '=', r.promotionId).execute();
    if (r.code) await trx.updateTable('promotionCode').set({ usedCount: 0 }).where('code', '=', r.code).execute();
    if (r.campaignId) {
      await trx
        .updateTable('promotionCampaign')
        .set({ spent: sql<number>`greatest(spent - ${Number(r.amount)}, 0)` })
        .where('id', '=', r.campaignId)
        .execute();
    }
  }
}
