import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';

// Conditional GET for every resource and list: a weak ETag over the response body, and 304 Not
// Modified when If-None-Match names it. Weak, because the bytes on the wire differ with the encoding
// (compression runs after this) while the representation is the same. The server still does the work
// of the request; the client saves the transfer and its parsing.

/** Headers a 304 keeps (RFC 9110 §15.4.5), with the request id; CORS headers are added after this runs. */
const KEPT_ON_304 = new Set(['etag', 'cache-control', 'content-location', 'date', 'expires', 'vary', 'x-request-id']);

/** Whether an If-None-Match value names `etag` (weak comparison: `W/` aside, the tags are equal). */
export function noneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => opaque(tag) === opaque(etag));
}

/** The weak ETag of a representation: the one a GET of it answers with. */
export function etagOf(body: Buffer | string): string {
  return `W/"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

export function conditionalGet(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const res = c.res;
    if ((c.req.method !== 'GET' && c.req.method !== 'HEAD') || res.status !== 200 || !res.body || res.headers.has('etag')) return;
    // Files streamed from the export store are not held in memory to be hashed, nor cached.
    if (res.headers.has('content-length') || /no-store/i.test(res.headers.get('cache-control') ?? '')) return;
    const body = Buffer.from(await res.arrayBuffer());
    const etag = etagOf(body);
    if (noneMatch(c.req.header('if-none-match'), etag)) {
      c.res = new Response(null, { status: 304, headers: res.headers });
      for (const name of [...c.res.headers.keys()]) if (!KEPT_ON_304.has(name)) c.res.headers.delete(name);
    } else {
      c.res = new Response(body, res);
    }
    c.res.headers.set('etag', etag);
  };
}
