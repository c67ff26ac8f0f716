/**
 * RFC 4180 CSV: comma-separated, fields optionally in double quotes, `""` for a quote inside,
 * CRLF or LF line ends, newlines allowed inside quoted fields. A UTF-8 BOM is ignored.
 * Yields each record with the 1-based line number it starts on.
 */
export function* parseCsv(text: string): Generator<{ line: number; fields: string[] }> {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    let field = '';
    let inQuotes = false;
    let fieldStart = true;
    for (; i < n; i++) {
      const c = text[i]!;
      if (inQuotes) {
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i++;
          } else inQuotes = false;
        } else {
          if (c === '\n') line++;
          field += c;
        }
      } else if (c === '"' && fieldStart) {
        inQuotes = true;
        fieldStart = false;
      } else if (c === ',') {
        fields.push(field);
        field = '';
        fieldStart = true;
      } else if (c === '\n' || c === '\r') {
        if (c === '\r' && text[i + 1] === '\n') i++;
        i++;
        line++;
        break;
      } else {
        field += c;
        fieldStart = false;
      }
    }
    fields.push(field);
    if (inQuotes) throw new SyntaxError(`Unterminated quoted field starting on line ${startLine}`);
    if (fields.length === 1 && fields[0] === '') continue;
    yield { line: startLine, fields };
  }
}

/** Quotes a value for CSV output when it needs it. */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}
