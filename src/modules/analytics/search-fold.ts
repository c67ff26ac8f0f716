import { withTransaction } from '../../platform/db/index.js';
import { localKeys } from './calendar.js';
import type { AnalyticsDeps } from './deps.js';
import { addDaysAndMonths } from './rollup.js';

/**
 * Folds the next batch of searches served by the search module (after the `searches`
 * watermark) into `served` and `no_results` of the search rollups and moves the watermark, all
 * in one transaction. The watermark row is claimed with `FOR UPDATE SKIP LOCKED`: while one
 * process folds, another finds it locked and returns 0, so no search is counted twice. Only rows
 * written more than `settleMs` ago are read, so a batch whose ids were taken but not yet
 * committed is not skipped. A search counts on the local day it was served, under its query as
 * the search module normalised it (the same rule as `normaliseQuery`). Returns the rows folded.
 */
export async function foldServedSearches(deps: AnalyticsDeps, zone: string, options: { batch: number; settleMs: number }): Promise<number> {
  const read = deps.servedSearches;
  if (!read) return 0;
  const now = deps.now?.() ?? new Date();
  return withTransaction(deps.db, async (trx) => {
    const state = await trx.selectFrom('analyticsState').select('watermark').where('id', '=', 'searches').forUpdate().skipLocked().executeTakeFirst();
    if (!state) return 0;
    const searches = await read(trx, String(state.watermark), options.batch, new Date(now.getTime() - options.settleMs));
    if (searches.length === 0) return 0;
    const rows: [string, string, number, number][] = [];
    for (const s of searches) {
      if (!s.query) continue;
      rows.push([localKeys(new Date(s.searchedAt), zone).day, s.query, 1, s.results === 0 ? 1 : 0]);
    }
    await addDaysAndMonths(trx, 'analytics_search', ['day', 'query'], ['served', 'no_results'], rows);
    await trx.updateTable('analyticsState').set({ watermark: searches.at(-1)!.id, updatedAt: now }).where('id', '=', 'searches').execute();
    return searches.length;
  });
}
