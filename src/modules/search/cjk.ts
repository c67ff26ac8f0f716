import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Jieba } from '@node-rs/jieba';

let jieba: Jieba | undefined;

/** A word of a CJK run with its offsets in the run. */
export interface CjkPiece {
  text: string;
  start: number;
  end: number;
}

/**
 * Segments one run of CJK characters with jieba in search mode (long words are also cut into
 * their dictionary sub-words: 中华人民共和国 → 中华 华人 人民 共和 共和国 中华人民共和国). The
 * dictionary loads on first use (~0.3 s), so processes that never see CJK text never pay for it.
 */
export function segmentCjk(run: string): CjkPiece[] {
  // The dictionary file is read here rather than through the package's `dict.js`, which also
  // reads the 6 MB IDF table and keeps both buffers alive for the life of the process.
  jieba ??= Jieba.withDict(readFileSync(createRequire(import.meta.url).resolve('@node-rs/jieba/dict.txt')));
  const out: CjkPiece[] = [];
  let cursor = 0;
  for (const word of jieba.cutForSearch(run, true)) {
    if (!word.trim()) continue;
    // Search mode repeats characters (sub-words, then the whole word): find each from the
    // last match, else anywhere; offsets only serve to rebuild a corrected query.
    let start = run.indexOf(word, cursor);
    if (start < 0) start = Math.max(0, run.indexOf(word));
    out.push({ text: word, start, end: start + word.length });
    cursor = start;
  }
  return out;
}
