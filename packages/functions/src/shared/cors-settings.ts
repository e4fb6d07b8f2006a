// What cross-origin callers may do, in one place for the functions (shared/cors.ts) and for API
// Gateway's own CORS settings (infra/api.ts). No imports: infra reads it at deploy time.

/** Request headers a browser may send: the key's headers, JSON bodies, idempotency and conditional GETs. */
export const CORS_ALLOW_HEADERS = ['authorization', 'content-type', 'x-api-key', 'x-chatcaptain-key', 'idempotency-key', 'if-none-match', 'x-request-id'];

/** Response headers a browser script may read. */
export const CORS_EXPOSE_HEADERS = ['x-request-id', 'link', 'x-has-more', 'x-next-page-token', 'idempotent-replayed', 'retry-after', 'location', 'etag', 'allow', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'ratelimit-policy'];

export const CORS_ALLOW_METHODS = ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** How long a browser may keep a preflight's answer (the most API Gateway allows). */
export const CORS_MAX_AGE_SECONDS = 86_400;
