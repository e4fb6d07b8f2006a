import { Readable, type Transform } from 'node:stream';
import { promisify } from 'node:util';
import type { MiddlewareHandler } from 'hono';

// Responses compressed for clients that accept it: JSON, CSV and the docs' text assets, above a size
// where it pays. A body held in memory (every JSON response) is compressed at once, a streamed one (a
// local export file) as it streams. On Lambda, hono/aws-lambda sends a body with a Content-Encoding
// base64-encoded, as API Gateway requires for binary bodies.

/** Smaller bodies go out as they are: their compressed form would save less than its headers. */
export const COMPRESSION_THRESHOLD_BYTES = 1024;

const COMPRESSIBLE = /^\s*(?:application\/(?:[\w.+-]+\+)?json|text\/[\w.+-]+|application\/javascript)\s*(?:;|$)/i;

type Encoding = 'br' | 'gzip';

// node:zlib is loaded on the first response compressed, not at a cold start (about 2 ms of an import).
const zlib = () => process.getBuiltinModule('node:zlib');
// Brotli at quality 5 compresses JSON about as well as gzip -9, several times faster than its default 11.
const brotli = () => ({ params: { [zlib().constants.BROTLI_PARAM_QUALITY]: 5 } });
const compressBuffer: Record<Encoding, (body: Buffer) => Promise<Buffer>> = {
  br: (body) => promisify(zlib().brotliCompress)(body, brotli()),
  gzip: (body) => promisify(zlib().gzip)(body),
};
const compressStream: Record<Encoding, () => Transform> = {
  br: () => zlib().createBrotliCompress(brotli()),
  gzip: () => zlib().createGzip(),
};

/** The encoding to use from Accept-Encoding: the highest q-value, br before gzip when they tie. */
export function negotiateEncoding(header: string | undefined): Encoding | undefined {
  if (!header) return undefined;
  const q = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const weight = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
    q.set(name, weight === undefined ? 1 : Number(weight));
  }
  let best: Encoding | undefined;
  let bestQ = 0;
  for (const encoding of ['br', 'gzip'] as const) {
    const weight = q.get(encoding) ?? q.get('*') ?? 0;
    if (weight > bestQ) [best, bestQ] = [encoding, weight];
  }
  return best;
}

export function compression(threshold = COMPRESSION_THRESHOLD_BYTES): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const res = c.res;
    // A 304 varies as the 200 it stands for would.
    if (res.status === 304 && !/accept-encoding/i.test(res.headers.get('vary') ?? '')) res.headers.append('vary', 'Accept-Encoding');
    if (!res.body || res.status === 204 || res.status === 206 || res.status === 304 || res.headers.has('content-encoding')) return;
    if (!COMPRESSIBLE.test(res.headers.get('content-type') ?? '') || /(?:^|,)\s*no-transform\s*(?:,|$)/i.test(res.headers.get('cache-control') ?? '')) return;
    // Whether it is compressed depends on Accept-Encoding, whatever this request sent.
    if (!/accept-encoding/i.test(res.headers.get('vary') ?? '')) res.headers.append('vary', 'Accept-Encoding');
    const encoding = negotiateEncoding(c.req.header('accept-encoding'));
    if (!encoding) return;
    const declared = res.headers.get('content-length');
    if (declared !== null) {
      // A stream of known size: compressed as it goes.
      if (Number(declared) < threshold) return;
      const source = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
      c.res = new Response(Readable.toWeb(source.pipe(compressStream[encoding]())) as ReadableStream, res);
      c.res.headers.delete('content-length');
    } else {
      const body = Buffer.from(await res.arrayBuffer());
      if (body.byteLength < threshold) {
        c.res = new Response(body, res);
        return;
      }
      const compressed = await compressBuffer[encoding](body);
      c.res = new Response(compressed, res);
      c.res.headers.set('content-length', String(compressed.byteLength));
    }
    c.res.headers.set('content-encoding', encoding);
  };
}
