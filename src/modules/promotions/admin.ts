import { sql, type Selectable } from 'kysely';
import { withTransaction, type Tx } from '../../platform/db/index.js';
import type { FieldProblem } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { isUniqueViolation } from '../../platform/pg-errors.js';
import type { Actor, PromotionDeps } from './deps.js';
import { amountCurrency, hasFixedAmounts, type Action, type Condition } from './engine.js';
import { promotionError } from './errors.js';
import { evaluateCart, normalizeCode } from './evaluate.js';
import type { Campaign, CreateCampaignBody, CreatePromotionBody, PreviewBody, Promotion, PromotionListQuery, UpdateCampaignBody, UpdatePromotionBody } from './schemas.js';
import type { PromotionCampaignTable, PromotionKind, PromotionTable } from './tables.js';

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
/** A PATCH value: absent keeps `current`, null clears. */
const dateOr = (value: string | null | undefined, current: Date | null): Date | null => (value === undefined ? current : value === null ? null : new Date(value));

export function promotionView(r: Selectable<PromotionTable>): Promotion {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    code: r.code,
    priority: r.priority,
    stacking: r.stacking,
    conditions: r.conditions as Promotion['conditions'],
    actions: r.actions as Promotion['actions'],
    usageLimit: r.usageLimit,
    perCustomerLimit: r.perCustomerLimit,
    usedCount: r.usedCount,
    claimable: r.claimable,
    active: r.active,
    startsAt: iso(r.startsAt),
    endsAt: iso(r.endsAt),
    campaignId: r.campaignId,
    createdAt: iso(r.createdAt)!,
    updatedAt: iso(r.updatedAt)!,
  };
}

function campaignView(r: Selectable<PromotionCampaignTable>): Campaign {
  return { ...r, budget: r.budget === null ? null : Number(r.budget), spent: Number(r.spent), startsAt: iso(r.startsAt), endsAt: iso(r.endsAt), createdAt: iso(r.createdAt)!, updatedAt: iso(r.updatedAt)! };
}

/** Rules the schema cannot say: a window that ends after it starts, known currencies, sorted-able tiers, amounts with a currency. */
function checkRules(deps: PromotionDeps, p: { kind: PromotionKind; code: string | null; conditions: Condition[]; actions: Action[]; startsAt: Date | null; endsAt: Date | null; claimable: boolean }): void {
  const problems: FieldProblem[] = [];
  if (p.startsAt && p.endsAt && p.startsAt >= p.endsAt) problems.push({ field: '/endsAt', message: 'must be after startsAt' });
  p.conditions.forEach((c, i) => {
    const currencies = c.type === 'currency' ? c.currencies : c.type === 'min_subtotal' && c.currency ? [c.currency] : [];
    for (const cur of currencies) if (!deps.currencies.includes(cur)) problems.push({ field: `/conditions/${i}`, message: `the shop does not sell in ${cur}` });
    if (c.type === 'date_window' && c.startsAt && c.endsAt && new Date(c.startsAt) >= new Date(c.endsAt)) problems.push({ field: `/conditions/${i}/endsAt`, message: 'must be after startsAt' });
  });
  p.actions.forEach((a, i) => {
    if ((a.type === 'tiered_amount_off' || a.type === 'tiered_percent_off') && new Set(a.tiers.map((t) => t.minSubtotal)).size !== a.tiers.length) {
      problems.push({ field: `/actions/${i}/tiers`, message: 'minSubtotal must differ between tiers' });
    }
    if (a.type === 'fixed_price' && !Object.values(a.target).some((l) => Array.isArray(l) && l.length > 0)) problems.push({ field: `/actions/${i}/target`, message: 'must name the products' });
  });
  if (hasFixedAmounts(p.actions) && !amountCurrency(p.conditions)) {
    problems.push({ field: '/conditions', message: 'fixed amounts need a currency: add {"type":"currency","currencies":[…one…]} or a min_subtotal with a currency' });
  }
  if (p.claimable && p.kind !== 'coupon') problems.push({ field: '/claimable', message: 'only coupons can be claimed' });
  if (problems.length) throw promotionError('PROMOTION_INVALID', { detail: problems.map((x) => `${x.field} ${x.message}`).join('; '), fields: problems });
}

async function checkCampaign(trx: Tx, campaignId: string | null | undefined): Promise<void> {
  if (!campaignId) return;
  const found = await trx.selectFrom('promotionCampaign').select('id').where('id', '=', campaignId).executeTakeFirst();
  if (!found) throw promotionError('PROMOTION_INVALID', { detail: `No campaign ${campaignId}`, fields: [{ field: '/campaignId', message: 'unknown' }] });
}

const codeTaken = (code: string | null) => promotionError('PROMOTION_CODE_TAKEN', { detail: `${code} is in use`, fields: [{ field: '/code', message: 'is taken' }] });

/** Creates a promotion (`kind`: coupon when asked or when it has a code). Audited `promotion.created`. */
export async function createPromotion(deps: PromotionDeps, actor: Actor, body: CreatePromotionBody, asCoupon: boolean): Promise<Promotion> {
  const code = body.code ? normalizeCode(body.code) : null;
  const kind: PromotionKind = asCoupon || code ? 'coupon' : 'automatic';
  const values = {
    id: newId('promo'),
    name: body.name,
    kind,
    code,
    priority: body.priority ?? 0,
    stacking: body.stacking ?? 'stackable',
    conditions: (body.conditions ?? []) as Condition[],
    actions: body.actions as Action[],
    usageLimit: body.usageLimit ?? null,
    perCustomerLimit: body.perCustomerLimit ?? null,
    claimable: body.claimable ?? false,
    active: body.active ?? true,
    startsAt: body.startsAt ? new Date(body.startsAt) : null,
    endsAt: body.endsAt ? new Date(body.endsAt) : null,
    campaignId: body.campaignId ?? null,
  };
  checkRules(deps, values);
  return withTransaction(deps.db, async (trx) => {
    await checkCampaign(trx, values.campaignId);
    if (code && (await trx.selectFrom('promotionCode').select('code').where('code', '=', code).executeTakeFirst())) throw codeTaken(code);
    try {
      const row = await trx
        .insertInto('promotion')
        .values({ ...values, conditions: JSON.stringify(values.conditions), actions: JSON.stringify(values.actions), deletedAt: null })
        .returningAll()
        .executeTakeFirstOrThrow();
      await deps.audit.record(trx, { actorId: actor.staffId, action: 'promotion.created', targetType: 'promotion', targetId: row.id, data: { name: row.name, kind, code }, ip: actor.ip });
      return promotionView(row);
    } catch (e) {
      if (isUniqueViolation(e)) throw codeTaken(code);
      throw e;
    }
  });
}

async function lockPromotion(trx: Tx, id: string, kind?: PromotionKind) {
  const row = await trx.selectFrom('promotion').selectAll().where('id', '=', id).where('deletedAt', 'is', null).forUpdate().executeTakeFirst();
  if (!row || (kind && row.kind !== kind)) throw promotionError('PROMOTION_NOT_FOUND', { detail: `No ${kind ?? 'promotion'} ${id}` });
  return row;
}

/** Changes a promotion; `code: null` on a coupon keeps it a coupon (generated codes only). Audited `promotion.updated`. */
export async function updatePromotion(deps: PromotionDeps, actor: Actor, id: string, body: UpdatePromotionBody, kind?: PromotionKind): Promise<Promotion> {
  return withTransaction(deps.db, async (trx) => {
    const row = await lockPromotion(trx, id, kind);
    const code = body.code === undefined ? row.code : body.code === null ? null : normalizeCode(body.code);
    const next = {
      kind: code ? ('coupon' as const) : row.kind,
      code,
      conditions: (body.conditions ?? row.conditions) as Condition[],
      actions: (body.actions ?? row.actions) as Action[],
      startsAt: dateOr(body.startsAt, row.startsAt),
      endsAt: dateOr(body.endsAt, row.endsAt),
      claimable: body.claimable ?? row.claimable,
    };
    checkRules(deps, next);
    await checkCampaign(trx, body.campaignId);
    if (code && code !== row.code && (await trx.selectFrom('promotionCode').select('code').where('code', '=', code).executeTakeFirst())) throw codeTaken(code);
    if (body.usageLimit != null && body.usageLimit < row.usedCount) {
      throw promotionError('PROMOTION_INVALID', { detail: `usageLimit cannot go below the ${row.usedCount} uses counted`, fields: [{ field: '/usageLimit', message: `must be at least ${row.usedCount}` }] });
    }
    try {
      const updated = await trx
        .updateTable('promotion')
        .set({
          ...(body.name !== undefined ? { name: body.name } : {}),
          ...(body.priority !== undefined ? { priority: body.priority } : {}),
          ...(body.stacking !== undefined ? { stacking: body.stacking } : {}),
          ...(body.usageLimit !== undefined ? { usageLimit: body.usageLimit } : {}),
          ...(body.perCustomerLimit !== undefined ? { perCustomerLimit: body.perCustomerLimit } : {}),
          ...(body.active !== undefined ? { active: body.active } : {}),
          ...(body.campaignId !== undefined ? { campaignId: body.campaignId } : {}),
          kind: next.kind,
          code,
          claimable: next.claimable,
          conditions: JSON.stringify(next.conditions),
          actions: JSON.stringify(next.actions),
          startsAt: next.startsAt,
          endsAt: next.endsAt,
          updatedAt: sql<Date>`now()`,
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await deps.audit.record(trx, { actorId: actor.staffId, action: 'promotion.updated', targetType: 'promotion', targetId: id, data: { ...body }, ip: actor.ip });
      return promotionView(updated);
    } catch (e) {
      if (isUniqueViolation(e)) throw codeTaken(code);
      throw e;
    }
  });
}

/**
 * Deletes a promotion: it stops applying at once and its code is free again. The row stays
 * (soft delete) so redemptions and reports keep their reference. Audited `promotion.deleted`.
 */
export async function deletePromotion(deps: PromotionDeps, actor: Actor, id: string, kind?: PromotionKind): Promise<void> {
  await withTransaction(deps.db, async (trx) => {
    const row = await lockPromotion(trx, id, kind);
    await trx.updateTable('promotion').set({ deletedAt: sql<Date>`now()`, active: false, updatedAt: sql<Date>`now()` }).where('id', '=', id).execute();
    await deps.audit.record(trx, { actorId: actor.staffId, action: 'promotion.deleted', targetType: 'promotion', targetId: id, data: { name: row.name }, ip: actor.ip });
  });
}

export async function getPromotion(deps: PromotionDeps, id: string, kind?: PromotionKind): Promise<Promotion> {
  const row = await deps.db.selectFrom('promotion').selectAll().where('id', '=', id).where('deletedAt', 'is', null).executeTakeFirst();
  if (!row || (kind && row.kind !== kind)) throw promotionError('PROMOTION_NOT_FOUND', { detail: `No ${kind ?? 'promotion'} ${id}` });
  return promotionView(row);
}

/** Live promotions newest first (ids are ULIDs), filtered by kind and campaign. */
export async function listPromotions(deps: PromotionDeps, query: PromotionListQuery) {
  let q = deps.db.selectFrom('promotion').selectAll().where('deletedAt', 'is', null).orderBy('id', 'desc').limit(query.limit + 1);
  if (query.kind) q = q.where('kind', '=', query.kind);
  if (query.campaignId) q = q.where('campaignId', '=', query.campaignId);
  if (query.cursor) q = q.where('id', '<', query.cursor);
  const rows = await q.execute();
  const page = rows.slice(0, query.limit);
  return { items: page.map(promotionView), nextCursor: rows.length > query.limit ? page.at(-1)!.id : null };
}

/** What a described cart would get now (or at `at`), with every candidate's reason: nothing is written. */
export async function preview(deps: PromotionDeps, body: PreviewBody) {
  const lines = body.cart.lines.map((l, i) => ({
    id: l.id ?? `line_${i + 1}`,
    sku: l.sku ?? l.productId,
    productId: l.productId,
    categoryIds: l.categoryIds ?? [],
    collectionIds: l.collectionIds ?? [],
    brand: l.brand ?? null,
    quantity: l.quantity,
    unitPrice: l.unitPrice,
    subtotal: l.unitPrice * l.quantity,
  }));
  const input = {
    cartId: 'preview',
    customerId: body.cart.customerId ?? null,
    currency: body.cart.currency,
    codes: (body.cart.codes ?? []).map(normalizeCode),
    lines,
    subtotal: lines.reduce((s, l) => s + l.subtotal, 0),
    shipping: body.cart.shippingAmount == null ? null : { methodId: 'preview', amount: body.cart.shippingAmount },
  };
  const result = await evaluateCart(deps, deps.db, input, body.at ? new Date(body.at) : undefined);
  const byLine = new Map(result.lines.map((l) => [l.lineId, l]));
  const shares = lines.map((l) => ({ id: l.id, subtotal: l.subtotal, discountTotal: byLine.get(l.id)?.amount ?? 0, promotions: byLine.get(l.id)?.promotions ?? [] }));
  return {
    subtotal: input.subtotal,
    discountTotal: shares.reduce((s, l) => s + l.discountTotal, 0) + result.shippingDiscount,
    shippingDiscount: result.shippingDiscount,
    lines: shares,
    appliedPromotions: result.applied,
    considered: result.considered,
  };
}

function campaignValues(deps: PromotionDeps, body: CreateCampaignBody | UpdateCampaignBody, startsAt: Date | null, endsAt: Date | null) {
  const problems: FieldProblem[] = [];
  if (startsAt && endsAt && startsAt >= endsAt) problems.push({ field: '/endsAt', message: 'must be after startsAt' });
  if (body.currency && !deps.currencies.includes(body.currency)) problems.push({ field: '/currency', message: `the shop does not sell in ${body.currency}` });
  if (problems.length) throw promotionError('CAMPAIGN_INVALID', { detail: problems.map((x) => `${x.field} ${x.message}`).join('; '), fields: problems });
}

export async function createCampaign(deps: PromotionDeps, actor: Actor, body: CreateCampaignBody): Promise<Campaign> {
  const startsAt = body.startsAt ? new Date(body.startsAt) : null;
  const endsAt = body.endsAt ? new Date(body.endsAt) : null;
  campaignValues(deps, body, startsAt, endsAt);
  return withTransaction(deps.db, async (trx) => {
    const row = await trx
      .insertInto('promotionCampaign')
      .values({ id: newId('cmp'), name: body.name, startsAt, endsAt, budget: body.budget ?? null, currency: body.currency ?? deps.currencies[0]!, active: body.active ?? true })
      .returningAll()
      .executeTakeFirstOrThrow();
    await deps.audit.record(trx, { actorId: actor.staffId, action: 'campaign.created', targetType: 'campaign', targetId: row.id, data: { ...body }, ip: actor.ip });
    return campaignView(row);
  });
}

export async function updateCampaign(deps: PromotionDeps, actor: Actor, id: string, body: UpdateCampaignBody): Promise<Campaign> {
  return withTransaction(deps.db, async (trx) => {
    const row = await trx.selectFrom('promotionCampaign').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!row) throw promotionError('CAMPAIGN_NOT_FOUND', { detail: `No campaign ${id}` });
    const startsAt = dateOr(body.startsAt, row.startsAt);
    const endsAt = dateOr(body.endsAt, row.endsAt);
    campaignValues(deps, body, startsAt, endsAt);
    const updated = await trx
      .updateTable('promotionCampaign')
      .set({
        ...(body.name !== undefined ? { name: body.name } : {}),
        ...(body.budget !== undefined ? { budget: body.budget } : {}),
        ...(body.currency !== undefined ? { currency: body.currency } : {}),
        ...(body.active !== undefined ? { active: body.active } : {}),
        startsAt,
        endsAt,
        updatedAt: sql<Date>`now()`,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await deps.audit.record(trx, { actorId: actor.staffId, action: 'campaign.updated', targetType: 'campaign', targetId: id, data: { ...body }, ip: actor.ip });
    return campaignView(updated);
  });
}

export async function getCampaign(deps: PromotionDeps, id: string): Promise<Campaign> {
  const row = await deps.db.selectFrom('promotionCampaign').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw promotionError('CAMPAIGN_NOT_FOUND', { detail: `No campaign ${id}` });
  return campaignView(row);
}

export async function listCampaigns(deps: PromotionDeps) {
  const rows = await deps.db.selectFrom('promotionCampaign').selectAll().orderBy('id', 'desc').limit(500).execute();
  return { items: rows.map(campaignView), nextCursor: null };
}

/** Orders, GMV (Σ order totals), discount spent and redemptions of a campaign, overall and per promotion; released redemptions do not count. */
export async function campaignReport(deps: PromotionDeps, id: string) {
  const campaign = await getCampaign(deps, id);
  const rows = await deps.db
    .selectFrom('promotionRedemption as r')
    .innerJoin('promotion as p', 'p.id', 'r.promotionId')
    .select(['r.promotionId', 'p.name', 'r.orderId', 'r.amount', 'r.orderTotal'])
    .where('r.campaignId', '=', id)
    .where('r.status', '=', 'reserved')
    .execute();
  const sum = (xs: typeof rows) => {
    const orders = new Map(xs.map((r) => [r.orderId, Number(r.orderTotal)]));
    return { orders: orders.size, gmv: [...orders.values()].reduce((a, b) => a + b, 0), discountSpent: xs.reduce((s, r) => s + Number(r.amount), 0), redemptions: xs.length };
  };
  const byPromotion = new Map<string, typeof rows>();
  for (const r of rows) byPromotion.set(r.promotionId, [...(byPromotion.get(r.promotionId) ?? []), r]);
  return {
    campaignId: id,
    currency: campaign.currency,
    budget: campaign.budget,
    ...sum(rows),
    promotions: [...byPromotion].map(([pid, xs]) => ({ id: pid, name: xs[0]!.name, ...sum(xs) })),
  };
}
