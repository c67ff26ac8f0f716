import { segmentCjk } from './cjk.js';
import { stem } from './stem.js';

/**
 * Text analysis, shared by documents and queries so both sides produce the same terms and
 * PostgreSQL's `simple` text search configuration needs no dictionaries. A term is a lower-case
 * token: a stemmed English word, a normalised number ("1/2", "0.105", "2.5"), a normalised unit
 * ("in", "ft", "gal" …) or a CJK word or bigram.
 */
export interface Token {
  /** The indexed form. */
  term: string;
  /** The word as written (lower-cased), for showing a corrected query. */
  surface: string;
  /** Offsets of the surface in the normalised text (see `normaliseText`). */
  start: number;
  end: number;
  /** 'cjk' tokens come from the segmenter; 'cjk2' are the bigram fallback of a CJK run. */
  kind: 'word' | 'unit' | 'number' | 'measure' | 'cjk' | 'cjk2';
}

/** Units written after a number, in every common spelling, → one canonical term. */
const UNITS: Record<string, string> = {
  in: 'in', inch: 'in', inches: 'in', '"': 'in', "''": 'in',
  ft: 'ft', feet: 'ft', foot: 'ft', "'": 'ft',
  gal: 'gal', gallon: 'gal', gallons: 'gal', gals: 'gal',
  lb: 'lb', lbs: 'lb', pound: 'lb', pounds: 'lb',
  oz: 'oz', ounce: 'oz', ounces: 'oz',
  qt: 'qt', quart: 'qt', quarts: 'qt',
  pt: 'pint', pint: 'pint', pints: 'pint',
  w: 'watt', watt: 'watt', watts: 'watt',
  v: 'volt', volt: 'volt', volts: 'volt',
  a: 'amp', amp: 'amp', amps: 'amp', ampere: 'amp', amperes: 'amp',
  mm: 'mm', millimeter: 'mm', millimeters: 'mm',
  cm: 'cm', centimeter: 'cm', centimeters: 'cm',
  m: 'm', meter: 'm', meters: 'm', metre: 'm', metres: 'm',
  yd: 'yd', yds: 'yd', yard: 'yd', yards: 'yd',
  ga: 'gauge', gauge: 'gauge', gage: 'gauge',
  pc: 'piece', pcs: 'piece', piece: 'piece', pieces: 'piece',
  pk: 'pack', pack: 'pack', packs: 'pack',
  cu: 'cu', cubic: 'cu',
  sq: 'sq',
  btu: 'btu', btus: 'btu',
  kg: 'kg', g: 'g', ml: 'ml', l: 'l', mah: 'mah', gb: 'gb', tb: 'tb', hz: 'hz', kw: 'kw',
};

/** Spellings that are units wherever they appear (the short ones are units only after a number). */
const ALWAYS_UNIT = new Set([
  'inch', 'inches', 'feet', 'gallon', 'gallons', 'pound', 'pounds', 'ounce', 'ounces', 'quart', 'quarts',
  'watt', 'watts', 'volt', 'volts', 'amps', 'ampere', 'amperes', 'millimeter', 'millimeters', 'centimeter',
  'centimeters', 'pieces', 'gauge', 'gage', 'btu', 'btus', 'lbs', 'gals', 'pcs', 'cu', 'sq', 'ft', 'oz', 'gal',
]);

/** Words too common to carry meaning in a product search (and the dimension "x" of "2 x 4"). */
const STOPWORDS = new Set(['a', 'an', 'and', 'the', 'of', 'for', 'with', 'to', 'in', 'on', 'at', 'by', 'or', 'is', 'x', 'from', 'into', 'per', 'de', 'its', 'it', 'be', 'as']);

/** NFKC (full-width → ASCII, ½ → 1⁄2), lower case, typographic quotes and slashes → ASCII. */
export function normaliseText(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2044\u2215]/g, '/')
    .replace(/[\u201c\u201d\u2033\u201e]/g, '"')
    .replace(/[\u2018\u2019\u2032]/g, "'")
    .replace(/(\p{L})'s\b/gu, '$1s');
}

const CJK_RUN = '[\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}]+';
const NUMBER = '\\d+/\\d+(?![.\\d])|\\d+(?:\\.\\d+)*|\\.\\d+';
const WORD = '[\\p{L}\\p{M}]+';
const QUOTE = `''|["']`;
const SCANNER = new RegExp(`(${CJK_RUN})|(${NUMBER})|(${WORD})|(${QUOTE})`, 'gu');

/** "007" → "7", ".5" → "0.5", "2.50" → "2.5", "2.0" → "2"; fractions stay as written. */
function normaliseNumber(raw: string): string {
  if (raw.includes('/')) return raw.split('/').map((p) => p.replace(/^0+(?=\d)/, '')).join('/');
  if (raw.split('.').length > 2) return raw; // a version or part number such as 1.2.3
  let n = raw.startsWith('.') ? `0${raw}` : raw;
  n = n.replace(/^0+(?=\d)/, '');
  if (n.includes('.')) n = n.replace(/0+$/, '').replace(/\.$/, '');
  return n;
}

/**
 * A number followed by its unit becomes one measurement term ("2 qt." → 2qt, "3/8 inch" →
 * 3/8in, "2.5-gal" → 2p5gal: a decimal point between digit and letter would make PostgreSQL's
 * parser split the token) plus the unit alone, so "2 qt" does not match every "2-pack".
 */
function addMeasure(out: Token[], unit: string, surface: string, start: number, end: number): void {
  const number = out[out.length - 1]!;
  out.push({ ...number, term: `${number.term.replaceAll('.', 'p')}${unit}`, end, surface: `${number.surface}${surface}`, kind: 'measure' });
  out.push({ term: unit, surface, start, end, kind: 'unit' });
}

/**
 * Splits text into terms. Latin words are split from digits ("m18" → m 18), units are normalised
 * and joined to the number before them ("1/2 inch", `1/2"`, "1/2in" and "1/2 in." all give
 * 1/2in in), English stopwords dropped and the rest stemmed; CJK runs are segmented with jieba (search mode), and
 * when `cjkBigrams` is set their overlapping character bigrams are added too (documents index
 * them so a query word the dictionary segments differently can still fall back to bigrams).
 */
export function analyze(text: string, options: { cjkBigrams?: boolean } = {}): Token[] {
  const norm = normaliseText(text);
  const out: Token[] = [];
  let prevNumberEnd = -2;
  for (const m of norm.matchAll(SCANNER)) {
    const start = m.index;
    const raw = m[0];
    const end = start + raw.length;
    // A unit belongs to the number right before it: nothing but a space, hyphen or period between.
    const afterNumber = prevNumberEnd >= 0 && /^[\s\-.]*$/.test(norm.slice(prevNumberEnd, start)) && start - prevNumberEnd <= 2;
    if (m[1]) {
      prevNumberEnd = -2;
      for (const piece of segmentCjk(raw)) out.push({ term: piece.text, surface: piece.text, start: start + piece.start, end: start + piece.end, kind: 'cjk' });
      if (options.cjkBigrams && raw.length > 2) {
        for (let i = 0; i + 2 <= raw.length; i++) out.push({ term: raw.slice(i, i + 2), surface: raw.slice(i, i + 2), start: start + i, end: start + i + 2, kind: 'cjk2' });
      }
    } else if (m[2]) {
      out.push({ term: normaliseNumber(raw), surface: raw, start, end, kind: 'number' });
      prevNumberEnd = end;
    } else if (m[3]) {
      const unit = UNITS[raw];
      if (unit !== undefined && afterNumber) addMeasure(out, unit, raw, start, end);
      else if (unit !== undefined && ALWAYS_UNIT.has(raw)) out.push({ term: unit, surface: raw, start, end, kind: 'unit' });
      else if (!STOPWORDS.has(raw)) out.push({ term: stem(raw), surface: raw, start, end, kind: 'word' });
      prevNumberEnd = -2;
    } else if (m[4] && afterNumber) {
      addMeasure(out, UNITS[raw]!, raw, start, end);
      prevNumberEnd = -2;
    }
  }
  return out;
}

/** The terms of `text`, space-separated, as stored for `to_tsvector('simple', …)`. */
export function termString(text: string | null | undefined, options: { cjkBigrams?: boolean } = {}): string {
  if (!text) return '';
  return analyze(text, options)
    .map((t) => t.term)
    .join(' ');
}
