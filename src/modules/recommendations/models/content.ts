import type { CooccurrenceModel } from './cooccurrence.js';
import { createItemIndex, internItem, type ItemId } from './items.js';

/** One item described by prefixed features: `t:<term>`, `c:<categoryId>`, `b:<brand>`, `a:<key>=<value>`. */
export interface ContentItem<T extends ItemId> {
  item: T;
  features: readonly string[];
}

export interface ContentSimilarityOptions {
  /** Neighbours kept per item. Default 50. */
  maxNeighbours?: number;
  /** Features on more than this share of items are ignored (a brand on every product). Default 0.2. */
  maxDocFrequency?: number;
  /** Weight per field prefix (the text before the first ':'), over the defaults `t` 1, `c` 2, `b` 1.5, `a` 1; unknown prefixes weigh 1, 0 drops the field. */
  fieldWeights?: Record<string, number>;
  /**
   * Features on more than this many items are "common": they add to the score of every candidate,
   * but only their `commonCandidates` shortest items (smallest vector norm, the ones a shared
   * feature lifts most) become new candidates. Default 500.
   */
  maxScan?: number;
  /** New candidates taken from each common feature of an item. Default `maxNeighbours / 2`. */
  commonCandidates?: number;
  /**
   * Candidates found through rare features that are scored exactly: those with the largest
   * rare-feature part of the cosine. Default 4 × `maxNeighbours`.
   */
  maxCandidates?: number;
}

/** The default weight of each feature field. */
export const DEFAULT_FIELD_WEIGHTS: Readonly<Record<string, number>> = { t: 1, c: 2, b: 1.5, a: 1 };

/** Rows of a compressed sparse table: `values[offsets[r] .. offsets[r+1])`. */
interface Csr {
  offsets: Int32Array;
  values: Int32Array;
}

function csrFromLists(lists: ArrayLike<number>[]): Csr {
  const offsets = new Int32Array(lists.length + 1);
  for (let r = 0; r < lists.length; r++) offsets[r + 1] = offsets[r]! + lists[r]!.length;
  const values = new Int32Array(offsets[lists.length]!);
  for (let r = 0; r < lists.length; r++) values.set(lists[r]!, offsets[r]!);
  return { offsets, values };
}

/** Dense feature ids per item, each item's set deduplicated and sorted; a repeated item merges its features. */
function internFeatures<T extends ItemId>(input: Iterable<ContentItem<T>>) {
  const items = createItemIndex<T>();
  const featureIds = new Map<string, number>();
  const names: string[] = [];
  const sets: Set<number>[] = [];
  for (const { item, features } of input) {
    const id = internItem(items, item);
    const set = (sets[id] ??= new Set());
    for (const f of features) {
      let fid = featureIds.get(f);
      if (fid === undefined) {
        fid = names.length;
        names.push(f);
        featureIds.set(f, fid);
      }
      set.add(fid);
    }
  }
  const lists = sets.map((s) => Int32Array.from(s).sort());
  return { items, names, lists };
}

/** `fieldWeight × ln(N / df)` per feature; 0 for features that are ignored. */
function featureWeights(names: string[], df: Int32Array, n: number, opts: ContentSimilarityOptions): Float64Array {
  const fields = { ...DEFAULT_FIELD_WEIGHTS, ...opts.fieldWeights };
  const maxDf = (opts.maxDocFrequency ?? 0.2) * n;
  const w = new Float64Array(names.length);
  for (let f = 0; f < names.length; f++) {
    if (df[f]! > maxDf) continue;
    const colon = names[f]!.indexOf(':');
    const field = fields[colon < 0 ? '' : names[f]!.slice(0, colon)] ?? 1;
    const weight = field * Math.log(n / df[f]!);
    if (weight > 0) w[f] = weight;
  }
  return w;
}

/**
 * Item-to-item similarity from content (titles, categories, brand, attributes) for products with
 * little behaviour. Each item is a TF-IDF vector: a feature counts once per item however often
 * it is repeated (binary tf), weighs `fieldWeight(prefix) × ln(N / df)`, and the vector is
 * L2-normalised; similarity is the cosine. Pairs are found through an inverted index (items per
 * feature), never by comparing all pairs; features on a single item or on more than
 * `maxDocFrequency` of the items are left out of the index (the latter also out of the norm).
 * The `maxNeighbours` best per item are kept, ties to the smaller dense id, never the item
 * itself. Every kept score is the exact cosine; what is approximate is which candidates get
 * scored: all items sharing a rare feature are found, the `maxCandidates` best of them by their
 * rare-feature overlap are scored, plus a few items from each very common feature (`maxScan`,
 * `commonCandidates`). That bounds the work per item, so 100,000 items build in seconds. In a
 * small catalog raise `maxDocFrequency`: with 10 items, a feature on 3 of them is ignored.
 *
 * Returns the same shape as `buildItemCooccurrence`, so `topNeighbours` and
 * `addNeighbourScores` work on it; `counts` holds each item's number of distinct features.
 *
 * @example
 * const model = buildContentSimilarity(products.map((p) => ({ item: p.id, features: productFeatures(p, analyzeTerms) })));
 * topNeighbours(model, 'prod_01J…', 10);
 */
export function buildContentSimilarity<T extends ItemId>(input: Iterable<ContentItem<T>>, opts: ContentSimilarityOptions = {}): CooccurrenceModel<T> {
  const maxNeighbours = opts.maxNeighbours ?? 50;
  const { items, names, lists } = internFeatures(input);
  const index = indexContent(names, lists, opts);
  const n = items.ids.length;
  const neighbours: Int32Array[] = new Array(n);
  const scores: Float32Array[] = new Array(n);
  const scan: Scan = {
    acc: new Float64Array(n),
    stamp: new Int32Array(n).fill(-1),
    touched: new Int32Array(n),
    mark: new Float64Array(index.commonFeature.length),
    top: createTopK(Math.min(maxNeighbours, n)),
    pre: createTopK(Math.min(opts.maxCandidates ?? 4 * maxNeighbours, n)),
    commonCandidates: opts.commonCandidates ?? Math.ceil(maxNeighbours / 2),
  };
  for (let i = 0; i < n; i++) [neighbours[i], scores[i]] = neighboursOf(i, index, scan);
  const counts = Float64Array.from(lists, (l) => l.length);
  return { items, neighbours, scores, counts };
}

/** The weighted, normalised vectors and the inverted index over them. */
interface ContentIndex {
  /** Weight per feature id (0 = ignored). */
  w: Float64Array;
  invNorm: Float64Array;
  /** Per item: its indexed features on at most `maxScan` items (feature ids). */
  rare: Csr;
  /** Per item: its features on more than `maxScan` items, as dense common ids. */
  common: Csr;
  /** Dense common id → feature id. */
  commonFeature: Int32Array;
  /** Per feature id: its items; a common feature's sorted by norm ascending, then id. */
  postings: Csr;
}

function indexContent(names: string[], lists: Int32Array[], opts: ContentSimilarityOptions): ContentIndex {
  const n = lists.length;
  const maxScan = opts.maxScan ?? 500;
  const df = new Int32Array(names.length);
  for (const list of lists) for (const f of list) df[f]!++;
  const w = featureWeights(names, df, n, opts);
  const commonId = new Int32Array(names.length).fill(-1);
  const commonFeature: number[] = [];
  const invNorm = new Float64Array(n);
  const rareLists: Int32Array[] = new Array(n);
  const commonLists: Int32Array[] = new Array(n);
  for (let i = 0; i < n; i++) {
    let norm2 = 0;
    const rare: number[] = [];
    const common: number[] = [];
    for (const f of lists[i]!) {
      if (w[f] === 0) continue;
      norm2 += w[f]! * w[f]!;
      if (df[f]! > maxScan) {
        if (commonId[f] === -1) commonId[f] = commonFeature.push(f) - 1;
        common.push(commonId[f]!);
      } else if (df[f]! > 1) rare.push(f);
    }
    invNorm[i] = norm2 > 0 ? 1 / Math.sqrt(norm2) : 0;
    rareLists[i] = Int32Array.from(rare);
    commonLists[i] = Int32Array.from(common);
  }
  const rare = csrFromLists(rareLists);
  const common = csrFromLists(commonLists);
  const features = Int32Array.from(commonFeature);
  return { w, invNorm, rare, common, commonFeature: features, postings: buildPostings(names.length, rare, common, features, invNorm) };
}

/** Items per indexed feature; a common feature's items sorted by norm ascending (then id), so its best candidates come first. */
function buildPostings(nf: number, rare: Csr, common: Csr, commonFeature: Int32Array, invNorm: Float64Array): Csr {
  const n = invNorm.length;
  const offsets = new Int32Array(nf + 1);
  for (const f of rare.values) offsets[f + 1]!++;
  for (const c of common.values) offsets[commonFeature[c]! + 1]!++;
  for (let f = 0; f < nf; f++) offsets[f + 1]! += offsets[f]!;
  const fill = offsets.slice(0, nf);
  const values = new Int32Array(offsets[nf]!);
  for (let i = 0; i < n; i++) {
    for (let c = rare.offsets[i]!; c < rare.offsets[i + 1]!; c++) values[fill[rare.values[c]!]!++] = i;
    for (let c = common.offsets[i]!; c < common.offsets[i + 1]!; c++) values[fill[commonFeature[common.values[c]!]!]!++] = i;
  }
  for (const f of commonFeature) values.subarray(offsets[f]!, offsets[f + 1]!).sort((a, b) => invNorm[b]! - invNorm[a]! || a - b);
  return { offsets, values };
}

/** Scratch space reused for every item. */
interface Scan {
  acc: Float64Array;
  stamp: Int32Array;
  touched: Int32Array;
  /** Squared weight of the current item's common features, by dense common id. */
  mark: Float64Array;
  top: TopK;
  pre: TopK;
  commonCandidates: number;
}

/** The neighbours of item `i`, best first, with their exact cosine. */
function neighboursOf(i: number, index: ContentIndex, scan: Scan): [Int32Array, Float32Array] {
  const { acc, touched, mark, top, pre } = scan;
  const { invNorm, common } = index;
  const { rareCount, count } = collectCandidates(i, index, scan);
  let chosen: Int32Array = touched.subarray(0, rareCount);
  if (rareCount > pre.k) {
    // Too many to score exactly: keep those with the largest rare-feature part of the cosine.
    pre.reset();
    for (const j of chosen) pre.offer(j, acc[j]! * invNorm[j]!);
    chosen = pre.ids();
  }
  const hasCommon = common.offsets[i + 1]! > common.offsets[i]!;
  const offsets = common.offsets;
  const values = common.values;
  top.reset();
  for (const part of [chosen, touched.subarray(rareCount, count)]) {
    for (const j of part) {
      let dot = acc[j]!;
      if (hasCommon) for (let c = offsets[j]!; c < offsets[j + 1]!; c++) dot += mark[values[c]!]!;
      // Rounded to the stored precision first, so equal stored scores are ordered by id.
      top.offer(j, Math.fround(dot * invNorm[i]! * invNorm[j]!));
    }
  }
  for (let c = offsets[i]!; c < offsets[i + 1]!; c++) mark[values[c]!] = 0;
  return top.sorted();
}

/**
 * Fills `scan.touched` with the candidates of item `i`: first those sharing a rare feature
 * (`rareCount` of them, their dot product over rare features in `scan.acc`), then new ones from
 * the head of each common feature's items (`acc` 0). Marks `i`'s common features with their
 * squared weight in `scan.mark`; the caller adds those and clears the marks.
 */
function collectCandidates(i: number, index: ContentIndex, scan: Scan): { rareCount: number; count: number } {
  const { acc, stamp, touched, mark } = scan;
  const { rare, common, commonFeature, w } = index;
  const { offsets: pOffsets, values: pValues } = index.postings;
  let count = 0;
  for (let c = rare.offsets[i]!; c < rare.offsets[i + 1]!; c++) {
    const f = rare.values[c]!;
    const w2 = w[f]! * w[f]!;
    for (let p = pOffsets[f]!; p < pOffsets[f + 1]!; p++) {
      const j = pValues[p]!;
      if (j === i) continue;
      if (stamp[j] !== i) {
        stamp[j] = i;
        acc[j] = 0;
        touched[count++] = j;
      }
      acc[j]! += w2;
    }
  }
  const rareCount = count;
  for (let c = common.offsets[i]!; c < common.offsets[i + 1]!; c++) {
    const f = commonFeature[common.values[c]!]!;
    mark[common.values[c]!] = w[f]! * w[f]!;
    const end = Math.min(pOffsets[f + 1]!, pOffsets[f]! + scan.commonCandidates + 1);
    for (let p = pOffsets[f]!; p < end; p++) {
      const j = pValues[p]!;
      if (j === i || stamp[j] === i) continue;
      stamp[j] = i;
      acc[j] = 0;
      touched[count++] = j;
    }
  }
  return { rareCount, count };
}

/** The k best (id, score) pairs offered, higher score first, ties to the smaller id: a bounded min-heap. */
type TopK = ReturnType<typeof createTopK>;

function createTopK(k: number) {
  const ids = new Int32Array(k);
  const vals = new Float64Array(k);
  let size = 0;
  // a is worse than b: lower score, or the same score and a larger id.
  const worse = (a: number, b: number) => vals[a]! < vals[b]! || (vals[a] === vals[b] && ids[a]! > ids[b]!);
  const swap = (a: number, b: number) => {
    const id = ids[a]!;
    const v = vals[a]!;
    ids[a] = ids[b]!;
    vals[a] = vals[b]!;
    ids[b] = id;
    vals[b] = v;
  };
  function siftDown(at: number): void {
    for (;;) {
      const l = 2 * at + 1;
      const r = l + 1;
      let m = at;
      if (l < size && worse(l, m)) m = l;
      if (r < size && worse(r, m)) m = r;
      if (m === at) return;
      swap(at, m);
      at = m;
    }
  }
  return {
    k,
    reset() {
      size = 0;
    },
    /** The ids kept, in no particular order (a view, valid until the next offer). */
    ids(): Int32Array {
      return ids.subarray(0, size);
    },
    offer(id: number, score: number) {
      if (score <= 0 || k <= 0) return;
      if (size < k) {
        ids[size] = id;
        vals[size] = score;
        for (let at = size++; at > 0; ) {
          const parent = (at - 1) >> 1;
          if (!worse(at, parent)) break;
          swap(at, parent);
          at = parent;
        }
      } else if (score > vals[0]! || (score === vals[0] && id < ids[0]!)) {
        ids[0] = id;
        vals[0] = score;
        siftDown(0);
      }
    },
    sorted(): [Int32Array, Float32Array] {
      const order = Array.from({ length: size }, (_, x) => x).sort((a, b) => vals[b]! - vals[a]! || ids[a]! - ids[b]!);
      return [Int32Array.from(order, (x) => ids[x]!), Float32Array.from(order, (x) => vals[x]!)];
    },
  };
}

/** A product as `productFeatures` needs it. */
export interface ProductContent {
  texts: readonly string[];
  categoryIds: readonly string[];
  brand: string | null;
  attributes: Record<string, string | number | boolean>;
}

/**
 * The prefixed features of a product, distinct, in first-seen order: `t:<term>` for every term
 * `tokenize` finds in its texts (titles in every locale), `c:<categoryId>`, `b:<brand>` (trimmed,
 * lower case) and `a:<key>=<value>` per attribute (strings trimmed and lower-cased, numbers
 * rounded to one decimal, booleans as `true`/`false`; empty strings and non-finite numbers
 * skipped).
 */
export function productFeatures(p: ProductContent, tokenize: (text: string) => string[]): string[] {
  const out = new Set<string>();
  for (const text of p.texts) for (const term of tokenize(text)) if (term) out.add(`t:${term}`);
  for (const id of p.categoryIds) out.add(`c:${id}`);
  const brand = p.brand?.trim().toLowerCase();
  if (brand) out.add(`b:${brand}`);
  for (const [key, value] of Object.entries(p.attributes)) {
    let v: string;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) continue;
      v = String(Math.round(value * 10) / 10);
    } else if (typeof value === 'boolean') v = String(value);
    else v = value.trim().toLowerCase();
    if (v) out.add(`a:${key}=${v}`);
  }
  return [...out];
}
