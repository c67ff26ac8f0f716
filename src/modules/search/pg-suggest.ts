import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import type { SuggestParams, Suggestion } from './engine.js';
import type { Trigram } from './pg-trgm.js';
import type { SearchCardData } from './tables.js';
import { planQuery } from './plan.js';
import { normaliseText } from './text.js';
import { escapeLike } from '../../platform/sql.js';

const tsTerm = (term: string, prefix: boolean) => `'${term.replace(/\\/g, '\\\\').replace(/'/g, "''")}'${prefix ? ':*' : ''}`;

/**
 * Type-ahead suggestions, each kind from an index: brands by prefix (btree on lower(brand)),
 * categories by substring or trigram similarity of their names, products whose terms contain
 * every typed word with the last one as a prefix (the GIN text index), misspelt words corrected
 * against the vocabulary as the search does.
 */
export async function suggest(db: Kysely<Database>, trgm: Trigram, params: SuggestParams): Promise<Suggestion[]> {
  const q = normaliseText(params.q).trim();
  if (!q) return [];
  const brands = await sql<{ brand: string }>`
    select brand from search_document
    where status = 'published' and lower(brand) like ${`${escapeLike(q)}%`}
    group by brand order by count(*) desc, brand limit 2`.execute(db);
  const categories = await sql<{ handle: string; name: string; tname: string | null }>`
    select handle, name, translations -> ${params.locale} ->> 'name' as tname from search_category
    where lower(name) like ${`%${escapeLike(q)}%`} or lower(translations -> ${params.locale} ->> 'name') like ${`%${escapeLike(q)}%`}
      or lower(name) ${trgm.op('%')} ${q}
    order by (lower(coalesce(translations -> ${params.locale} ->> 'name', name)) like ${`${escapeLike(q)}%`}) desc,
      ${trgm.similarity(sql`lower(name)`, sql`${q}::text`)} desc, position
    limit 3`.execute(db);
  const out: Suggestion[] = [
    ...brands.rows.map((r) => ({ type: 'brand' as const, text: r.brand })),
    ...categories.rows.map((r) => ({ type: 'category' as const, text: r.tname || r.name, handle: r.handle })),
  ];
  const room = params.limit - out.length;
  if (room > 0) out.push(...(await productSuggestions(db, trgm, params, room)));
  return out.slice(0, params.limit);
}

async function productSuggestions(db: Kysely<Database>, trgm: Trigram, params: SuggestParams, limit: number): Promise<Suggestion[]> {
  // The search's own planning: the last word as a prefix, misspelt words corrected.
  const plan = await planQuery(db, trgm, params.q, { prefixLast: true, docCount: 1 });
  if (plan.terms.length === 0) return [];
  const title = (card: SearchCardData) => card.titles[params.locale] ?? card.titles[params.defaultLocale] ?? Object.values(card.titles)[0] ?? '';
  const terms = plan.terms.map((t) => tsTerm(t.term, t.prefix));
  // Every word first; when nothing has them all, any word.
  for (const query of [terms.join(' & '), terms.join(' | ')]) {
    const { rows } = await sql<{ handle: string; card: SearchCardData }>`
      select handle, card from search_document
      where status = 'published' and tsv @@ ${query}::tsquery
      order by ts_rank('{0.1,0.2,0.4,1.0}', tsv, ${query}::tsquery) + ${trgm.similarity(sql`title_tokens`, sql`${plan.text}::text`)} desc,
        sales_count desc, product_id
      limit ${limit}`.execute(db);
    if (rows.length || terms.length === 1) return rows.map((r) => ({ type: 'product' as const, text: title(r.card), handle: r.handle }));
  }
  return [];
}
