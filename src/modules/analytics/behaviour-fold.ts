import { sql } from 'kysely';
import { withTransaction, type Tx } from '../../platform/db/index.js';
import { localKeys } from './calendar.js';
import type { AnalyticsDeps, BehaviourEventRow } from './deps.js';
import { addCounts, addDaysAndMonths } from './rollup.js';

/** A view within this long after a search in the same session counts as a click-through. */
export const CLICK_WINDOW_MS = 30 * 60_000;
/** Days of `analytics_product_session_day` kept for de-duplicating late events. */
const VIEWER_DAYS_KEPT = 3;
/**
 * Sessions idle this long are deleted from `analytics_session` (which would otherwise grow by every
 * session ever seen); an event arriving for one later starts a new session.
 */
export const SESSION_DAYS_KEPT = 3;

interface SessionState {
  firstAt: Date;
  /** The session's latest event: sessions idle for SESSION_DAYS_KEPT are forgotten. */
  lastAt: Date;
  hour: string;
  viewed: boolean;
  carted: boolean;
  lastSearchAt: Date | null;
  lastSearchDay: string | null;
  lastSearchQuery: string | null;
  lastSearchClicked: boolean;
}

/** Search text as counted: trimmed, lower-cased, inner whitespace collapsed, at most 200 characters. */
export function normaliseQuery(query: string | null): string | null {
  const q = query?.trim().toLowerCase().replace(/\s+/g, ' ').slice(0, 200);
  return q ? q : null;
}

/**
 * Folds the next batch of behaviour events (after the watermark) into the funnel, product-view
 * and search rollups and moves the watermark, all in one transaction. The watermark row is
 * claimed with `FOR UPDATE SKIP LOCKED`: while one process folds, another finds it locked and
 * returns 0, so no event is counted twice. Only events received more than `settleMs` ago are
 * read, so a storefront batch whose ids were taken but not yet committed is not skipped.
 * Returns the number of events folded.
 */
export async function foldBehaviour(deps: AnalyticsDeps, zone: string, options: { batch: number; settleMs: number }): Promise<number> {
  const now = deps.now?.() ?? new Date();
  return withTransaction(deps.db, async (trx) => {
    const state = await trx.selectFrom('analyticsState').select('watermark').where('id', '=', 'behaviour').forUpdate().skipLocked().executeTakeFirst();
    if (!state) return 0;
    const events = await deps.behaviourEvents(trx, String(state.watermark), options.batch, new Date(now.getTime() - options.settleMs));
    if (events.length === 0) return 0;
    await foldEvents(trx, zone, events);
    const last = events.at(-1)!.id;
    await trx.updateTable('analyticsState').set({ watermark: last, updatedAt: now }).where('id', '=', 'behaviour').execute();
    const cutoff = localKeys(new Date(now.getTime() - VIEWER_DAYS_KEPT * 86_400_000), zone).day;
    await sql`delete from analytics_product_session_day where day < ${cutoff}::date`.execute(trx);
    await sql`delete from analytics_session where last_at < ${new Date(now.getTime() - SESSION_DAYS_KEPT * 86_400_000)}`.execute(trx);
    return events.length;
  });
}

async function loadSessions(trx: Tx, ids: string[]): Promise<Map<string, SessionState>> {
  const out = new Map<string, SessionState>();
  if (ids.length === 0) return out;
  const { rows } = await sql<SessionState & { sessionId: string }>`
    select session_id, first_at, coalesce(last_at, first_at) as last_at, to_char(hour, 'YYYY-MM-DD HH24:MI:SS') as hour, viewed, carted, last_search_at,
      to_char(last_search_day, 'YYYY-MM-DD') as last_search_day, last_search_query, last_search_clicked
    from analytics_session where session_id = any(${ids}::text[])`.execute(trx);
  for (const r of rows) out.set(r.sessionId, { ...r, firstAt: new Date(r.firstAt), lastAt: new Date(r.lastAt), lastSearchAt: r.lastSearchAt ? new Date(r.lastSearchAt) : null });
  return out;
}

async function foldEvents(trx: Tx, zone: string, events: readonly BehaviourEventRow[]): Promise<void> {
  const sessions = await loadSessions(trx, [...new Set(events.flatMap((e) => (e.sessionId ? [e.sessionId] : [])))]);
  const touched = new Set<string>();
  const hours = new Map<string, number[]>(); // sessions, viewing, carting, views, carts, searches
  const bump = (hour: string, i: number, n = 1) => {
    const row = hours.get(hour) ?? [0, 0, 0, 0, 0, 0];
    row[i]! += n;
    hours.set(hour, row);
  };
  const productRows: [string, string, number, number][] = []; // day, product, views, add_to_carts
  const viewerKeys = new Map<string, [string, string, string]>();
  const searchRows: [string, string, number, number][] = [];

  for (const e of events) {
    if (!e.sessionId || !['view', 'add_to_cart', 'search', 'remove_from_cart', 'click_recommendation'].includes(e.type)) continue;
    const at = new Date(e.occurredAt);
    const keys = localKeys(at, zone);
    let s = sessions.get(e.sessionId);
    if (!s) {
      s = { firstAt: at, lastAt: at, hour: keys.hour, viewed: false, carted: false, lastSearchAt: null, lastSearchDay: null, lastSearchQuery: null, lastSearchClicked: false };
      sessions.set(e.sessionId, s);
      bump(s.hour, 0);
    } else if (at < s.firstAt) {
      // An earlier event arrived late: the session (and its steps) move to the earlier hour.
      const move = (sign: number) => {
        bump(s!.hour, 0, sign);
        if (s!.viewed) bump(s!.hour, 1, sign);
        if (s!.carted) bump(s!.hour, 2, sign);
      };
      move(-1);
      s.firstAt = at;
      s.hour = keys.hour;
      move(1);
    }
    if (at > s.lastAt) s.lastAt = at;
    touched.add(e.sessionId);
    if (e.type === 'view' && e.productId) {
      bump(keys.hour, 3);
      productRows.push([keys.day, e.productId, 1, 0]);
      viewerKeys.set(`${keys.day} ${e.productId} ${e.sessionId}`, [keys.day, e.productId, e.sessionId]);
      if (!s.viewed) {
        s.viewed = true;
        bump(s.hour, 1);
      }
      if (s.lastSearchAt && s.lastSearchDay && s.lastSearchQuery && !s.lastSearchClicked && at >= s.lastSearchAt && at.getTime() - s.lastSearchAt.getTime() <= CLICK_WINDOW_MS) {
        s.lastSearchClicked = true;
        searchRows.push([s.lastSearchDay, s.lastSearchQuery, 0, 1]);
      }
    } else if (e.type === 'add_to_cart' && e.productId) {
      bump(keys.hour, 4);
      productRows.push([keys.day, e.productId, 0, 1]);
      if (!s.carted) {
        s.carted = true;
        bump(s.hour, 2);
      }
    } else if (e.type === 'search') {
      const q = normaliseQuery(e.query);
      if (!q) continue;
      bump(keys.hour, 5);
      searchRows.push([keys.day, q, 1, 0]);
      Object.assign(s, { lastSearchAt: at, lastSearchDay: keys.day, lastSearchQuery: q, lastSearchClicked: false });
    }
  }

  if (touched.size) {
    const rows = [...touched].map((id) => {
      const s = sessions.get(id)!;
      return sql`(${id}, ${s.firstAt}, ${s.lastAt}, ${s.hour}::timestamp, ${s.viewed}, ${s.carted}, ${s.lastSearchAt}, ${s.lastSearchDay}::date, ${s.lastSearchQuery}, ${s.lastSearchClicked})`;
    });
    await sql`insert into analytics_session (session_id, first_at, last_at, hour, viewed, carted, last_search_at, last_search_day, last_search_query, last_search_clicked)
      values ${sql.join(rows)}
      on conflict (session_id) do update set first_at = excluded.first_at, last_at = excluded.last_at, hour = excluded.hour, viewed = excluded.viewed, carted = excluded.carted,
        last_search_at = excluded.last_search_at, last_search_day = excluded.last_search_day, last_search_query = excluded.last_search_query,
        last_search_clicked = excluded.last_search_clicked`.execute(trx);
  }
  await addCounts(trx, 'analytics_behaviour_hour', ['hour'], ['sessions', 'viewing_sessions', 'carting_sessions', 'views', 'add_to_carts', 'searches'], [...hours].map(([h, c]) => [h, ...c]));

  // Viewers: a session counts once per product and day.
  const viewers: [string, string, number, number, number][] = productRows.map(([d, p, v, c]) => [d, p, v, 0, c]);
  if (viewerKeys.size) {
    const { rows } = await sql<{ day: string; productId: string }>`
      insert into analytics_product_session_day (day, product_id, session_id)
      values ${sql.join([...viewerKeys.values()].map(([d, p, s]) => sql`(${d}::date, ${p}, ${s})`))}
      on conflict do nothing returning to_char(day, 'YYYY-MM-DD') as day, product_id`.execute(trx);
    for (const r of rows) viewers.push([r.day, r.productId, 0, 1, 0]);
  }
  await addDaysAndMonths(trx, 'analytics_product_view', ['day', 'product_id'], ['views', 'viewers', 'add_to_carts'], viewers);
  await addDaysAndMonths(trx, 'analytics_search', ['day', 'query'], ['searches', 'clicks'], searchRows);
}
