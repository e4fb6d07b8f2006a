import { randomUUID } from 'node:crypto';
import { AppError, ERROR_CODES, type ErrorCode, JSON_LIMITS } from '@parley/core';
import { isDatabaseUnavailable } from '@parley/db';
import '@hono/zod-openapi'; // first: it gives zod's schemas .openapi()
import * as z from 'zod';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';

// The one place where error codes become HTTP statuses.
const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  bad_request: 400,
  validation_failed: 400,
  unauthorized: 401,
  key_expired: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_mismatch: 422,
  headers_too_large: 431,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
};

/** Seconds a client should wait before retrying a request that found the database unavailable. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES).openapi({ example: 'validation_failed', description: 'Machine-readable error code, from a closed set.' }),
      message: z.string().openapi({ example: 'query.pageSize: must be at most 100' }),
      requestId: z.string().openapi({ description: 'Quote this when reporting a problem.' }),
      issues: z
        .array(z.object({ path: z.string(), message: z.string() }))
        .optional()
        .openapi({ description: 'Each invalid input, by location (e.g. `query.pageSize`).' }),
    }),
  })
  .openapi('Error');

function errorResponse(description: string) {
  return { description, content: { 'application/json': { schema: ErrorBody } } };
}

/** The IETF draft's RateLimit headers, on every response to an authenticated request while rate limits are on. */
const RATE_LIMIT_TEXT = {
  'RateLimit-Limit': "Requests the API key may make per window (its class's limit).",
  'RateLimit-Remaining': 'Requests left in the current window.',
  'RateLimit-Reset': 'Seconds until the current window ends.',
  'RateLimit-Policy': 'The limit and the window in seconds, e.g. `1000;w=60`.',
};
export const RATE_LIMIT_HEADERS = Object.fromEntries(Object.entries(RATE_LIMIT_TEXT).map(([name, description]) => [name, z.string().openapi({ description })])) as Record<
  keyof typeof RATE_LIMIT_TEXT,
  z.ZodString
>;
/** The same, as OpenAPI header objects (for responses that list their headers that way). */
export const RATE_LIMIT_HEADER_OBJECTS = Object.fromEntries(Object.entries(RATE_LIMIT_TEXT).map(([name, description]) => [name, { description, schema: { type: 'string' as const } }]));

/** The error responses every authenticated route declares. */
export const commonErrorResponses = {
  400: errorResponse(
    'Invalid input: bad parameters, unknown fields or malformed JSON; text (path segments, query values, JSON keys and strings) holding NUL ' +
      `or an unpaired UTF-16 surrogate; a JSON body nested deeper than ${JSON_LIMITS.maxDepth} levels or holding more than ${JSON_LIMITS.maxNodes} values.`,
  ),
  401: errorResponse('Missing or invalid API key (`unauthorized`), or an expired one (`key_expired`).'),
  403: errorResponse('The API key lacks the required scope.'),
  404: errorResponse("Not found (also for another workspace's resources)."),
  429: {
    ...errorResponse('The API key made more requests than its rate limit allows in the current window (`rate_limited`); retry after `Retry-After` seconds.'),
    headers: z.object({
      'Retry-After': z.string().openapi({ description: 'Seconds until the window ends and the key may call again.' }),
      ...RATE_LIMIT_HEADERS,
    }),
  },
  500: errorResponse('Unexpected server error.'),
  503: {
    ...errorResponse('The database is unavailable for the moment (`unavailable`); retry after `Retry-After` seconds.'),
    headers: z.object({ 'Retry-After': z.string().openapi({ description: 'Seconds to wait before retrying.' }) }),
  },
} as const;

/** Routes that take a JSON body declare these as well. */
export const bodyErrorResponses = {
  413: errorResponse('The request body is larger than 1 MB.'),
  415: errorResponse('The request body is not JSON (`Content-Type: application/json`).'),
} as const;

// Validation targets named as a client sees them.
const LOCATION: Record<string, string> = { json: 'body', form: 'body', param: 'path', query: 'query', header: 'header', cookie: 'cookie' };

export function zodIssuesToAppError(error: ZodError, target: string): AppError {
  const location = LOCATION[target] ?? target;
  const issues = error.issues.map((issue) => {
    const path = [location, ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: `${path}.${key}`, message: 'is not a known field' }));
    }
    return [{ path, message: issue.message }];
  });
  const flat = issues.flat();
  return AppError.invalidAll(flat);
}

export function renderError(err: unknown, c: Context): Response {
  // Errors outside a group's app (an unknown path on the local server) get an id of their own.
  let requestId = c.get('requestId' as never) as string | undefined;
  if (!requestId) {
    requestId = randomUUID();
    c.header('x-request-id', requestId);
  }
  let appError: AppError;
  if (err instanceof AppError) {
    appError = err;
  } else if (err instanceof HTTPException && err.status < 500) {
    // Hono's own client errors, e.g. malformed JSON bodies.
    appError = new AppError(err.status === 401 ? 'unauthorized' : err.status === 413 ? 'payload_too_large' : 'bad_request', err.message);
  } else if (isDatabaseUnavailable(err)) {
    appError = new AppError('unavailable', 'The database is unavailable at the moment; retry shortly', { cause: err });
  } else {
    appError = new AppError('internal', 'Internal server error', { cause: err });
  }
  // Every 5xx is logged here, once, with its causes: what the server knows and the client must not
  // (driver text, internal addresses). A 4xx is the client's and answers for itself.
  if (statusOf(appError.code) >= 500) logError(requestId, appError, appError.code === 'unavailable' ? 'warn' : 'error');
  if (appError.code === 'unavailable') c.header('Retry-After', String(UNAVAILABLE_RETRY_AFTER_SECONDS));
  return c.json(errorBody(appError, requestId), statusOf(appError.code));
}

export function statusOf(code: ErrorCode): ContentfulStatusCode {
  return STATUS[code];
}

/** The body of every error response. */
export function errorBody(appError: AppError, requestId: string) {
  return { error: { code: appError.code, message: appError.message, requestId, ...(appError.issues && { issues: appError.issues }) } };
}

/**
 * An error and the chain of its causes as one JSON line: the outermost's message, then each cause
 * (name, message, code), and the stack of the first that is not an AppError (where it went wrong).
 */
const EMAIL = /[^\s@"'<>(),;:]+@[^\s@"'<>(),;:]+\.[a-z]{2,}/gi;
// International numbers (a '+' and digits with the usual separators), and bare runs of seven or more
// digits that are not part of an identifier (UUIDs, hex ids and key prefixes keep their digits).
const PHONE = /\+\d[\d\s().-]{5,}\d|(?<![\w-])\d{7,}(?![\w-])/g;

/** Log text without the personal data a provider or driver may quote (phone numbers, email addresses). */
export function scrubLogText(text: string): string {
  return text.replace(EMAIL, '[email]').replace(PHONE, '[phone]');
}

export function logError(requestId: string | undefined, err: unknown, level: 'error' | 'warn' = 'error'): void {
  const chain: Array<{ name?: string; message: string; code?: unknown }> = [];
  let stack: string | undefined;
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 10; depth++) {
    if (!(e instanceof Error)) {
      chain.push({ message: String(e) });
      break;
    }
    const code = e instanceof AppError ? e.code : (e as { code?: unknown }).code;
    chain.push({ name: e.name, message: e.message, ...(code !== undefined && { code }) });
    if (!stack && !(e instanceof AppError)) stack = e.stack;
    e = e.cause;
  }
  // A provider's or driver's text may quote a recipient: none of it reaches the log as it was.
  for (const link of chain) link.message = scrubLogText(link.message);
  const [outer, ...causes] = chain;
  console.error(JSON.stringify({ time: new Date().toISOString(), level, message: outer?.message, code: outer?.code, requestId, cause: causes, stack: stack && scrubLogText(stack) }));
}

/** Unknown routes answer in the same shape as every other error. */
export function renderNotFound(c: Context): Response {
  return renderError(new AppError('not_found', `No route for ${c.req.method} ${c.req.path}`), c);
}
