import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import type { Trigram } from './pg-trgm.js';
import { stem } from './stem.js';
import { analyze, normaliseText, type Token } from './text.js';

/** A query term as matched and scored. */
export interface PlannedTerm {
  term: string;
  /** Matches every term starting with `term` (the word being typed). */
  prefix: boolean;
  df: number;
  idf: number;
  /** Position of the word in the query (a correction takes the misspelt word's place). */
  position: number;
  kind: Token['kind'];
}

export interface QueryPlan {
  terms: PlannedTerm[];
  /** Lower-cased whole query and its whitespace-separated parts, for SKU and barcode hits. */
  exactKeys: string[];
  /** The query with misspelt words replaced, when any were. */
  correctedQuery?: string;
  /** The planned terms as one string, compared with titles by trigram similarity. */
  text: string;
  /** Every analysed word of the query, known or not: the trigram fallback when no term is known. */
  fuzzyText: string;
}

/** At most this many terms take part (long pasted text must not make a huge SQL statement). */
const MAX_TERMS = 12;

/**
 * Optimal string alignment distance (Levenshtein plus adjacent transpositions: "ipohne" →
 * "iphone" is 1), stopping early once it exceeds `max`.
 */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      cur.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > max) return max + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

/** Edits allowed when correcting a word of this length. */
function allowedEdits(length: number): number {
  return length <= 4 ? 1 : 2;
}

const idf = (n: number, df: number) => Math.log(1 + (n - Math.min(df, n) + 0.5) / (Math.min(df, n) + 0.5));
const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

interface Candidate {
  token: Token;
  prefix: boolean;
  position: number;
}

async function documentFrequencies(db: Kysely<Database>, terms: string[]): Promise<Map<string, number>> {
  if (terms.length === 0) return new Map();
  const rows = await db.selectFrom('searchTerm').select(['term', 'df']).where('term', 'in', terms).execute();
  return new Map(rows.map((r) => [r.term, r.df]));
}

async function prefixFrequency(db: Kysely<Database>, prefix: string): Promise<number> {
  const { rows } = await sql<{ df: number }>`select coalesce(sum(df), 0)::int as df from search_term where term like ${`${escapeLike(prefix)}%`}`.execute(db);
  return rows[0]?.df ?? 0;
}

/**
 * The best vocabulary word for each misspelt word: the nearest terms by trigram distance (a
 * GiST KNN scan of `search_term`), kept when within a small edit distance, then the closest and
 * most frequent.
 */
async function correctWords(db: Kysely<Database>, trgm: Trigram, words: string[]): Promise<Map<string, { term: string; df: number; display: string }>> {
  const out = new Map<string, { term: string; df: number; display: string }>();
  if (words.length === 0) return out;
  const { rows } = await sql<{ q: string; term: string; df: number; display: string }>`
    select x.q, c.term, c.df, c.display
    from unnest(${words}::text[]) as x(q)
    cross join lateral (select term, df, display from search_term order by term ${trgm.op('<->')} x.q limit 16) c`.execute(db);
  for (const word of words) {
    const max = allowedEdits(word.length);
    const best = rows
      .filter((r) => r.q === word && /^[a-z]+$/.test(r.term) && r.term.length >= 3)
      .map((r) => ({ ...r, dist: editDistance(word, r.term, max) }))
      .filter((r) => r.dist <= max)
      .sort((a, b) => a.dist - b.dist || Number(b.term[0] === word[0]) - Number(a.term[0] === word[0]) || b.df - a.df)[0];
    if (best) out.set(word, { term: best.term, df: best.df, display: best.display });
  }
  return out;
}

type Fix = { term: string; df: number; display: string };

/**
 * Words that are two vocabulary words run together: the split whose rarer half is the most
 * frequent wins. Halves are at least three letters.
 */
async function splitWords(db: Kysely<Database>, words: string[]): Promise<Map<string, Fix[]>> {
  const out = new Map<string, Fix[]>();
  const splits = new Map<string, [string, string][]>();
  for (const w of words) {
    if (w.length < 6) continue;
    const list: [string, string][] = [];
    for (let i = 3; i <= w.length - 3; i++) list.push([stem(w.slice(0, i)), stem(w.slice(i))]);
    splits.set(w, list);
  }
  const halves = [...new Set([...splits.values()].flat(2))];
  if (halves.length === 0) return out;
  const rows = await db.selectFrom('searchTerm').select(['term', 'df', 'display']).where('term', 'in', halves).execute();
  const known = new Map(rows.map((r) => [r.term, r]));
  for (const [word, list] of splits) {
    let best: Fix[] | undefined;
    for (const [a, b] of list) {
      const ka = known.get(a);
      const kb = known.get(b);
      if (ka && kb && (!best || Math.min(ka.df, kb.df) > Math.min(best[0]!.df, best[1]!.df))) best = [ka, kb];
    }
    if (best) out.set(word, best);
  }
  return out;
}

/** Character bigrams of a CJK word, the fallback when the segmenter's word is not indexed. */
function bigrams(word: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 2 <= word.length; i++) out.push(word.slice(i, i + 2));
  return out;
}

/**
 * Analyses a query like a document, then: looks up each term's document frequency; treats the
 * last word as a prefix while it is being typed; replaces Latin words that match nothing with
 * their closest vocabulary word (reported as `correctedQuery`) and unknown CJK words with their
 * bigrams; drops what still matches nothing.
 */
export async function planQuery(db: Kysely<Database>, trgm: Trigram, query: string, options: { prefixLast: boolean; docCount: number }): Promise<QueryPlan> {
  const norm = normaliseText(query);
  const exactKeys = [...new Set([norm.trim(), ...norm.split(/\s+/)].filter((k) => k.length >= 2))].slice(0, 10);
  const tokens = analyze(query);
  const typing = options.prefixLast && !/\s$/.test(query);
  const seen = new Set<string>();
  const candidates: Candidate[] = [];
  tokens.forEach((token, i) => {
    const isLast = i === tokens.length - 1;
    const prefix = typing && isLast && token.end === norm.length && token.kind !== 'number' && (token.term.length >= 2 || token.kind === 'cjk');
    if (seen.has(token.term) && !prefix) return;
    seen.add(token.term);
    candidates.push({ token, prefix, position: i });
  });
  const limited = candidates.slice(0, MAX_TERMS);
  const dfs = await documentFrequencies(db, limited.map((c) => c.token.term));
  const n = Math.max(options.docCount, 1);
  const terms: PlannedTerm[] = [];
  const misspelt: Candidate[] = [];
  const cjkUnknown: Candidate[] = [];
  for (const c of limited) {
    const df = dfs.get(c.token.term) ?? 0;
    const pdf = c.prefix ? Math.max(df, await prefixFrequency(db, c.token.term)) : df;
    if (pdf > 0) terms.push({ term: c.token.term, prefix: c.prefix, df: pdf, idf: idf(n, pdf), position: c.position, kind: c.token.kind });
    else if (c.token.kind === 'word' && /^[a-z]{3,}$/.test(c.token.term)) misspelt.push(c);
    else if (c.token.kind === 'cjk' && c.token.term.length > 2) cjkUnknown.push(c);
  }
  // Glued words first ("wirelessearbuds" → wireless earbuds), then the nearest single word.
  const corrections = await splitWords(db, misspelt.map((c) => c.token.term));
  const single = await correctWords(db, trgm, misspelt.map((c) => c.token.term).filter((w) => !corrections.has(w)));
  for (const [word, fix] of single) corrections.set(word, [fix]);
  let correctedQuery: string | undefined;
  if (corrections.size) {
    let text = norm;
    // Right to left, so earlier offsets stay valid.
    for (const c of [...misspelt].sort((a, b) => b.token.start - a.token.start)) {
      const fixes = corrections.get(c.token.term);
      if (!fixes) continue;
      text = text.slice(0, c.token.start) + fixes.map((f) => f.display).join(' ') + text.slice(c.token.end);
      fixes.forEach((fix, k) => {
        if (!terms.some((t) => t.term === fix.term)) terms.push({ term: fix.term, prefix: false, df: fix.df, idf: idf(n, fix.df), position: c.position + k / 10, kind: 'word' });
      });
    }
    correctedQuery = text.trim();
  }
  if (cjkUnknown.length) {
    const pieces = cjkUnknown.flatMap((c) => bigrams(c.token.term).map((b, k) => ({ b, position: c.position + k / 10 })));
    const bdfs = await documentFrequencies(db, [...new Set(pieces.map((p) => p.b))]);
    for (const { b, position } of pieces) {
      const df = bdfs.get(b) ?? 0;
      if (df > 0 && !terms.some((t) => t.term === b)) terms.push({ term: b, prefix: false, df, idf: idf(n, df), position, kind: 'cjk2' });
    }
  }
  terms.sort((a, b) => a.position - b.position);
  return { terms, exactKeys, correctedQuery, text: terms.map((t) => t.term).join(' '), fuzzyText: tokens.map((t) => t.term).join(' ') };
}
