import { sql, type Insertable, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../platform/db/index.js';
import type { RecsImpressionTable } from './tables.js';

/** Where a recommendation was shown: one per serving route. */
export type Surface = 'similar' | 'bought_together' | 'cart' | 'for_you';

/** Buffered rows are written when this many are waiting, or by the next `flush()`. */
const FLUSH_AT = 500;
/** Most rows waiting in memory: beyond, new impressions are dropped (counted) rather than let the process grow. */
const MAX_PENDING = 20_000;

/**
 * Impressions (what was recommended to whom) are written in the background, batched: a serving
 * request never waits for them. A process that dies loses at most its unwritten buffer, which
 * only lowers impression counts a little; clicks are stored with the events themselves.
 */
export function createImpressionBuffer(db: Kysely<Database>, log: Logger) {
  let pending: Insertable<RecsImpressionTable>[] = [];
  let writing: Promise<void> | null = null;
  let dropped = 0;

  async function flush(): Promise<number> {
    if (writing) await writing;
    if (pending.length === 0) return 0;
    const batch = pending;
    pending = [];
    writing = (async () => {
      for (let i = 0; i < batch.length; i += FLUSH_AT) {
        await db.insertInto('recsImpression').values(batch.slice(i, i + FLUSH_AT)).onConflict((oc) => oc.column('recommendationId').doNothing()).execute();
      }
    })()
      .catch((err: unknown) => log.warn({ err, impressions: batch.length }, 'recommendation impressions not written'))
      .finally(() => {
        writing = null;
      });
    await writing;
    if (dropped > 0) {
      log.warn({ dropped }, 'recommendation impressions dropped (buffer full)');
      dropped = 0;
    }
    return batch.length;
  }

  return {
    add(row: Insertable<RecsImpressionTable>): void {
      if (pending.length >= MAX_PENDING) {
        dropped++;
        return;
      }
      pending.push(row);
      if (pending.length >= FLUSH_AT && !writing) void flush();
    },
    /** Writes what is waiting; resolves when written (errors are logged, not thrown). */
    flush,
    pending: () => pending.length,
  };
}

export type ImpressionBuffer = ReturnType<typeof createImpressionBuffer>;

/** One line of the recommendations performance report. */
export interface PerformanceRow {
  surface: string;
  reason: string;
  impressions: number;
  clicks: number;
  /** clicks / impressions, 0 without impressions. */
  ctr: number;
}

/**
 * Impressions and clicks per surface and reason for recommendations served in [from, to): a
 * click is a `click_recommendation` event carrying the `recommendationId` of one of them (each
 * recommendation counts once however often it was clicked). Two queries.
 */
export async function performance(db: Kysely<Database>, from: Date, to: Date): Promise<PerformanceRow[]> {
  const shown = await db
    .selectFrom('recsImpression')
    .select(['surface', 'reason', (eb) => eb.fn.countAll<string>().as('n')])
    .where('servedAt', '>=', from)
    .where('servedAt', '<', to)
    .groupBy(['surface', 'reason'])
    .execute();
  const { rows: clicked } = await sql<{ surface: string; reason: string; n: string }>`
    select i.surface, i.reason, count(distinct i.recommendation_id) as n
    from recs_impression i
    where i.served_at >= ${from} and i.served_at < ${to}
      and exists (select 1 from recs_event e where e.recommendation_id = i.recommendation_id and e.type = 'click_recommendation')
    group by i.surface, i.reason`.execute(db);
  const clicks = new Map(clicked.map((c) => [`${c.surface}|${c.reason}`, Number(c.n)]));
  return shown
    .map((s) => {
      const impressions = Number(s.n);
      const c = clicks.get(`${s.surface}|${s.reason}`) ?? 0;
      return { surface: s.surface, reason: s.reason, impressions, clicks: c, ctr: impressions ? c / impressions : 0 };
    })
    .sort((a, b) => (a.surface === b.surface ? (a.reason < b.reason ? -1 : 1) : a.surface < b.surface ? -1 : 1));
}
