import type { Insertable } from 'kysely';
import { isId } from '../../platform/ids.js';
import type { EventViewer, RecommendationsDeps, RecsLimits } from './deps.js';
import { RECS_REJECTION, recsError, type RecsRejectionCode } from './errors.js';
import type { SessionLimiter } from './rate-limit.js';
import type { EventInput, IngestResult, Rejection } from './schemas.js';
import type { RecsEventTable, RecsEventType } from './tables.js';

const TYPES = new Set<string>(['view', 'search', 'add_to_cart', 'remove_from_cart', 'purchase', 'click_recommendation']);
const RECOMMENDATION_ID = /^rec_[0-9A-HJKMNP-TV-Z]{26}$/;
const SESSION_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
// Accepts what `new Date` reads unambiguously: an ISO date-time with a zone.
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

interface Checked {
  index: number;
  type: RecsEventType;
  productId: string | null;
  sku: string | null;
  query: string | null;
  sessionId: string;
  occurredAt: Date;
  recommendationId: string | null;
}

type Outcome = Checked | { index: number; code: RecsRejectionCode };

/** Checks one event without any I/O; SKUs are resolved afterwards for the whole batch. */
export function checkEvent(e: EventInput, index: number, now: Date, limits: RecsLimits): Outcome {
  const reject = (code: RecsRejectionCode) => ({ index, code });
  if (!TYPES.has(e.type)) return reject('RECS_EVENT_UNKNOWN_TYPE');
  if (e.sessionId === undefined || !SESSION_ID.test(e.sessionId)) return reject('RECS_EVENT_SESSION_REQUIRED');
  const type = e.type as RecsEventType;
  const query = e.query?.trim() || null;
  if (type === 'search' && !query) return reject('RECS_EVENT_QUERY_REQUIRED');
  const productId = e.productId || null;
  const sku = e.sku?.trim() || null;
  if (productId !== null && !isId('prod', productId)) return reject('RECS_EVENT_INVALID_PRODUCT_ID');
  if (type !== 'search' && productId === null && sku === null) return reject('RECS_EVENT_PRODUCT_REQUIRED');
  const recommendationId = e.recommendationId || null;
  if (recommendationId !== null && !RECOMMENDATION_ID.test(recommendationId)) return reject('RECS_EVENT_INVALID_RECOMMENDATION_ID');
  let occurredAt = now;
  if (e.occurredAt !== undefined) {
    const t = ISO_DATE_TIME.test(e.occurredAt) ? Date.parse(e.occurredAt) : NaN;
    if (!Number.isFinite(t) || t > now.getTime() + limits.maxFutureSkewMs || t < now.getTime() - limits.retentionDays * 86_400_000) {
      return reject('RECS_EVENT_INVALID_TIME');
    }
    occurredAt = new Date(t);
  }
  return { index, type, productId, sku, query, sessionId: e.sessionId, occurredAt, recommendationId };
}

/**
 * Checks a batch, rate-limits its sessions, resolves SKUs in one lookup (only when some event
 * has a SKU and no product id) and stores the accepted events with one multi-row INSERT. A
 * customer's batch also links its sessions to the customer. Throws 429 RECS_RATE_LIMITED.
 */
export async function ingestEvents(deps: RecommendationsDeps, limits: RecsLimits, limiter: SessionLimiter, batch: readonly EventInput[], viewer: EventViewer): Promise<IngestResult> {
  const now = deps.now?.() ?? new Date();
  const rejected: Rejection[] = [];
  const checked: Checked[] = [];
  for (const [i, e] of batch.entries()) {
    const outcome = checkEvent(e, i, now, limits);
    if ('code' in outcome) rejected.push({ index: i, code: outcome.code, message: RECS_REJECTION[outcome.code] });
    else checked.push(outcome);
  }

  const perSession = new Map<string, number>();
  for (const c of checked) perSession.set(c.sessionId, (perSession.get(c.sessionId) ?? 0) + 1);
  const retryAfter = await limiter.take(perSession);
  if (retryAfter !== null) {
    throw recsError('RECS_RATE_LIMITED', {
      detail: `At most ${limits.eventsPerMinute} events per session per minute`,
      headers: { 'retry-after': String(retryAfter) },
    });
  }

  const skus = [...new Set(checked.filter((c) => c.productId === null && c.sku !== null).map((c) => c.sku!))];
  const bySku = skus.length ? await deps.resolveSkus(skus) : new Map<string, string>();
  const rows: Insertable<RecsEventTable>[] = [];
  for (const c of checked) {
    let productId = c.productId;
    if (productId === null && c.sku !== null) {
      productId = bySku.get(c.sku) ?? null;
      if (productId === null) {
        rejected.push({ index: c.index, code: 'RECS_EVENT_UNKNOWN_SKU', message: RECS_REJECTION.RECS_EVENT_UNKNOWN_SKU });
        continue;
      }
    }
    rows.push({ type: c.type, productId, sku: c.sku, query: c.query, sessionId: c.sessionId, customerId: viewer.customerId, orderId: null, orderLineId: null, occurredAt: c.occurredAt, recommendationId: c.recommendationId });
  }

  if (rows.length) await deps.db.insertInto('recsEvent').values(rows).execute();
  if (viewer.customerId !== null && perSession.size) {
    // The latest sign-in wins: a shared device's session belongs to whoever used it last.
    await deps.db
      .insertInto('recsSessionCustomer')
      .values([...perSession.keys()].map((sessionId) => ({ sessionId, customerId: viewer.customerId! })))
      .onConflict((oc) => oc.column('sessionId').doUpdateSet((eb) => ({ customerId: eb.ref('excluded.customerId'), linkedAt: now })).where('recsSessionCustomer.customerId', '<>', viewer.customerId!))
      .execute();
  }
  rejected.sort((a, b) => a.index - b.index);
  return { accepted: rows.length, rejected };
}
