import { parseCsv } from '../../platform/csv.js';
import type { JobProblem } from '../../platform/jobs/index.js';

export type ImportFormat = 'csv' | 'ndjson';

/** Job kind of a product import. */
export const IMPORT_JOB = 'catalog.import';

/** One input row (one variant), keyed by column name, with its 1-based row number. */
export interface ImportRow {
  row: number;
  values: Record<string, string>;
}

/**
 * The columns of a product import (one row per variant; rows of one product share a handle and
 * the first non-empty value of a product-level column wins).
 */
export const IMPORT_COLUMNS = {
  product: ['handle', 'title', 'subtitle', 'description', 'status', 'brand', 'tags', 'categories', 'image_urls', 'seo_title', 'seo_description'],
  variant: ['sku', 'barcode', 'weight_grams', 'stock', 'allow_backorder', 'option1_name', 'option1_value', 'option2_name', 'option2_value', 'option3_name', 'option3_value'],
  patterns: ['price_<CUR>', 'compare_at_price_<CUR>', 'attr.<name>', 'title.<locale>', 'subtitle.<locale>', 'description.<locale>'],
} as const;

/** Parses CSV (header row first) or NDJSON (one flat JSON object per line) into rows. */
export function parseImport(format: ImportFormat, content: string): { rows: ImportRow[]; problems: JobProblem[] } {
  const rows: ImportRow[] = [];
  const problems: JobProblem[] = [];
  if (format === 'csv') {
    let header: string[] | undefined;
    let index = 0;
    try {
      for (const record of parseCsv(content)) {
        if (!header) {
          header = record.fields.map((h) => h.trim());
          continue;
        }
        index++;
        if (record.fields.length !== header.length) {
          problems.push({ row: index, message: `line ${record.line}: ${record.fields.length} fields, the header has ${header.length}` });
          continue;
        }
        const values: Record<string, string> = {};
        header.forEach((h, i) => {
          const v = record.fields[i]!.trim();
          if (h && v !== '') values[h] = v;
        });
        rows.push({ row: index, values });
      }
    } catch (err) {
      problems.push({ row: index + 1, message: err instanceof Error ? err.message : String(err) });
    }
    return { rows, problems };
  }
  content.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const parsed: unknown = JSON.parse(line);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('each line must be a JSON object');
      const values: Record<string, string> = {};
      for (const [k, v] of Object.entries(parsed)) {
        if (v === null || v === undefined || v === '') continue;
        if (typeof v === 'object') throw new Error(`column ${k}: nested values are not supported; use flat columns`);
        values[k] = String(v).trim();
      }
      rows.push({ row: i + 1, values });
    } catch (err) {
      problems.push({ row: i + 1, message: err instanceof Error ? err.message : String(err) });
    }
  });
  return { rows, problems };
}

/** Groups rows by handle, keeping first-seen order; rows without a handle are reported. */
export function groupByHandle(rows: readonly ImportRow[]): { groups: Map<string, ImportRow[]>; problems: JobProblem[] } {
  const groups = new Map<string, ImportRow[]>();
  const problems: JobProblem[] = [];
  for (const row of rows) {
    const handle = row.values.handle;
    if (!handle) {
      problems.push({ row: row.row, message: 'handle is required' });
      continue;
    }
    const list = groups.get(handle) ?? [];
    list.push(row);
    groups.set(handle, list);
  }
  return { groups, problems };
}

/** Splits a `|`-separated cell. */
export function splitList(value: string | undefined): string[] {
  return value ? value.split('|').map((s) => s.trim()).filter(Boolean) : [];
}
