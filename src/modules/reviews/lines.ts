import type { ReviewableLine } from './deps.js';
import { reviewError } from './errors.js';

/** An item of a review request matched to the order line it reviews. */
export interface Assignment<I> {
  item: I;
  line: ReviewableLine;
}

/**
 * Matches each requested SKU to a line of the order. When the order has several lines with the
 * SKU, each item takes the next one not yet reviewed. Throws (checking in this order):
 * - 409 `REVIEW_ORDER_NOT_DELIVERED`: no lines, or any line not yet eligible;
 * - 400 `REVIEW_LINE_NOT_IN_ORDER`: a SKU the order does not have (`fields` names each);
 * - 409 `REVIEW_ALREADY_EXISTS`: every line with the SKU is already reviewed;
 * - 400 `REVIEW_INVALID_INPUT`: the request reviews one line more than once.
 */
export function assignLines<I extends { sku: string }>(items: readonly I[], lines: readonly ReviewableLine[], reviewedLineIds: ReadonlySet<string>): Assignment<I>[] {
  if (lines.length === 0 || lines.some((l) => !l.eligible)) {
    throw reviewError('REVIEW_ORDER_NOT_DELIVERED', { detail: 'Items can be reviewed once the order is delivered' });
  }
  const missing = items.flatMap((item, i) => (lines.some((l) => l.sku === item.sku) ? [] : [{ field: `/items/${i}/sku`, message: `the order has no item ${item.sku}` }]));
  if (missing.length) throw reviewError('REVIEW_LINE_NOT_IN_ORDER', { detail: missing.map((m) => m.message).join('; '), fields: missing });
  const taken = new Set<string>();
  return items.map((item, i) => {
    const candidates = lines.filter((l) => l.sku === item.sku);
    const open = candidates.filter((l) => !reviewedLineIds.has(l.lineId));
    if (open.length === 0) {
      throw reviewError('REVIEW_ALREADY_EXISTS', { detail: `${item.sku} in this order is already reviewed`, fields: [{ field: `/items/${i}/sku`, message: 'already reviewed' }] });
    }
    const line = open.find((l) => !taken.has(l.lineId));
    if (!line) {
      throw reviewError('REVIEW_INVALID_INPUT', {
        detail: `${item.sku} appears more often than the order has it`,
        fields: [{ field: `/items/${i}/sku`, message: 'reviewed twice in this request' }],
      });
    }
    taken.add(line.lineId);
    return { item, line };
  });
}
