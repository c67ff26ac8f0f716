import { csvField } from '../../platform/csv.js';

/** One CSV table (RFC 4180: quoted where needed, CRLF line ends) with a header row. */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number | boolean | null | undefined)[])[]): string {
  return [header, ...rows].map((r) => r.map((v) => csvField(v)).join(',')).join('\r\n') + '\r\n';
}
