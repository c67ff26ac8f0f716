import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../../platform/db/index.js';

/**
 * pg_trgm's functions and operators, named through the schema the extension lives in: a
 * connection's `search_path` need not include it (tests give each file its own schema).
 */
export interface Trigram {
  /** `similarity(a, b)`: shared trigrams over all trigrams, 0–1. */
  similarity(a: RawBuilder<unknown>, b: RawBuilder<unknown>): RawBuilder<number>;
  /** `word_similarity(a, b)`: how well `a` matches some part of `b`, 0–1. */
  wordSimilarity(a: RawBuilder<unknown>, b: RawBuilder<unknown>): RawBuilder<number>;
  /** An operator of the extension (`%`, `<->`, `<%`), for index-backed conditions and ordering. */
  op(name: '%' | '<->' | '<%' | '<<->'): RawBuilder<unknown>;
}

/** Finds pg_trgm's schema (once per call site that caches the result). Throws when it is not installed. */
export async function loadTrigram(db: Kysely<Database>): Promise<Trigram> {
  const { rows } = await sql<{ schema: string }>`
    select quote_ident(n.nspname) as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace
    where e.extname = 'pg_trgm'`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema) throw new Error('The pg_trgm extension is not installed; run the migrations');
  return {
    similarity: (a, b) => sql<number>`${sql.raw(schema)}.similarity(${a}, ${b})`,
    wordSimilarity: (a, b) => sql<number>`${sql.raw(schema)}.word_similarity(${a}, ${b})`,
    op: (name) => sql.raw(`operator(${schema}.${name})`),
  };
}
