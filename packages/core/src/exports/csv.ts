import { Readable } from 'node:stream';

// CSV written in TypeScript, for exports whose rows are computed rather than read with COPY: the same
// format the chats export gets from Postgres (RFC 4180, CRLF record ends, formulas neutralised).

/** Text a spreadsheet would run as a formula: a leading `=`, `+`, `-`, `@`, tab or carriage return. */
const FORMULA_START = /^[=+\-@\t\r]/;
/** A plain decimal number as JavaScript prints one (`-5`, `-0.25`, `-1e-7`): a value, not a formula. */
const NUMBER = /^-?(?:\d+(?:\.\d+)?|\.\d+)(?:e[+-]?\d+)?$/i;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One field: formula-like text gets a leading apostrophe, as the chats export's SQL does, except
 * negative numbers, which are data; then quoted when it holds a comma, a quote or a line break.
 */
export function csvCell(value: string): string {
  const safe = FORMULA_START.test(value) && !NUMBER.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One record, CRLF-terminated. */
export function csvRecord(cells: readonly string[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

const CHUNK_CHARS = 64 * 1024;

/** The rows as one CSV byte stream in chunks of about 64 KB; `bytes()` counts what has been read. */
export function csvStream(rows: ReadonlyArray<readonly string[]>): { body: Readable; bytes(): number } {
  let bytes = 0;
  function* chunks(): Generator<Buffer> {
    let pending = '';
    for (const row of rows) {
      pending += csvRecord(row);
      if (pending.length < CHUNK_CHARS) continue;
      const chunk = Buffer.from(pending, 'utf8');
      bytes += chunk.length;
      pending = '';
      yield chunk;
    }
    if (pending) {
      const chunk = Buffer.from(pending, 'utf8');
      bytes += chunk.length;
      yield chunk;
    }
  }
  return { body: Readable.from(chunks(), { objectMode: false }), bytes: () => bytes };
}
