import { AppError, dottedPath, findJsonProblem, isStorableText, UNSTORABLE_TEXT_MESSAGE } from '@parley/core';
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';

// Before any validation, every request's text is checked once for what no column can hold (NUL, lone
// UTF-16 surrogates) and its JSON body for what nothing may walk (nesting deeper than 32 levels, more
// than 10 000 values): a 400 naming the location, whatever the route. Schemas then see only text that
// can be stored and JSON that is safe to recurse over.

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/** `path.<name>` for a path segment, named by a matched route that has a parameter there. */
function pathSegmentName(c: Context, index: number): string {
  for (const route of matchedRoutes(c).toReversed()) {
    const name = /^:([A-Za-z0-9_]+)/.exec(route.path.split('/')[index] ?? '')?.[1];
    if (name) return `path.${name}`;
  }
  return 'path';
}

function checkPath(c: Context): void {
  const segments = new URL(c.req.url).pathname.split('/');
  segments.forEach((segment, i) => {
    if (!segment.includes('%')) return;
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return; // Invalid percent-encoding stays literal text, as the router reads it.
    }
    if (!isStorableText(decoded)) throw AppError.invalid(pathSegmentName(c, i), UNSTORABLE_TEXT_MESSAGE);
  });
}

function checkQuery(c: Context): void {
  for (const [name, values] of Object.entries(c.req.queries())) {
    if (!isStorableText(name)) throw AppError.invalid('query', `has a parameter name that ${UNSTORABLE_TEXT_MESSAGE}`);
    if (values.some((v) => !isStorableText(v))) throw AppError.invalid(`query.${name}`, UNSTORABLE_TEXT_MESSAGE);
  }
}

async function checkJsonBody(c: Context): Promise<void> {
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return;
  const mediaType = c.req.header('content-type')?.split(';')[0]?.trim() ?? '';
  if (!JSON_MEDIA_TYPE.test(mediaType)) return;
  let body: unknown;
  try {
    // Parsed once: the validator reads the same parsed body.
    body = await c.req.json();
  } catch {
    return; // Malformed JSON: the validator answers it.
  }
  const problem = findJsonProblem(body);
  if (problem) throw AppError.invalid(dottedPath('body', problem.at), problem.message);
}

export function inputGuard(): MiddlewareHandler {
  return async (c, next) => {
    checkPath(c);
    checkQuery(c);
    await checkJsonBody(c);
    await next();
  };
}
