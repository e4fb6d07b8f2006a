import { Transform, type TransformCallback } from 'node:stream';

const QUOTE = 0x22;
const LF = 0x0a;
const CRLF = Buffer.from('\r\n');

/**
 * Postgres ends CSV records with LF; RFC 4180 wants CRLF. Rewrites record ends to CRLF and leaves line
 * breaks inside quoted fields alone (a doubled quote toggles twice, so the state stays right), across
 * chunk boundaries. Also counts the bytes it passes on. Scans with indexOf, so it keeps up with COPY.
 */
export class CsvLineEndings extends Transform {
  bytes = 0;
  /** Records passed on so far, the header included (a progress figure while the export runs). */
  records = 0;
  private inQuotes = false;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const parts: Buffer[] = [];
    let start = 0;
    let pos = 0;
    let nextQuote = chunk.indexOf(QUOTE, 0);
    let nextLf = chunk.indexOf(LF, 0);
    while (pos < chunk.length) {
      if (this.inQuotes) {
        if (nextQuote === -1) break;
        if (nextQuote < pos) nextQuote = chunk.indexOf(QUOTE, pos);
        if (nextQuote === -1) break;
        this.inQuotes = false;
        pos = nextQuote + 1;
        nextQuote = chunk.indexOf(QUOTE, pos);
        continue;
      }
      if (nextLf !== -1 && nextLf < pos) nextLf = chunk.indexOf(LF, pos);
      if (nextLf !== -1 && (nextQuote === -1 || nextLf < nextQuote)) {
        parts.push(chunk.subarray(start, nextLf), CRLF);
        this.records++;
        start = pos = nextLf + 1;
        nextLf = chunk.indexOf(LF, pos);
      } else if (nextQuote !== -1) {
        this.inQuotes = true;
        pos = nextQuote + 1;
        nextQuote = chunk.indexOf(QUOTE, pos);
      } else {
        break;
      }
    }
    if (start < chunk.length) parts.push(chunk.subarray(start));
    const out = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    this.bytes += out.length;
    callback(null, out);
  }
}
