import type { CorsOrigins } from '@parley/core';
import type { MiddlewareHandler } from 'hono';
import { CORS_ALLOW_HEADERS, CORS_EXPOSE_HEADERS, CORS_MAX_AGE_SECONDS } from './cors-settings.js';
import type { AppEnv } from './env.js';

// Cross-origin access for browsers. The functions answer it themselves (preflights without a key,
// the headers on every response); deployed, API Gateway is configured from the same settings
// (cors-settings.ts and CORS_ORIGINS, in infra/api.ts) and answers preflights before they reach a function.

/** The value of Access-Control-Allow-Origin for a request's Origin, or undefined when it is not allowed. */
export function allowedOrigin(origins: CorsOrigins, origin: string | undefined): string | undefined {
  if (!origin) return undefined;
  if (origins === '*') return '*';
  return origins.includes(origin) ? origin : undefined;
}

/**
 * `OPTIONS` on a path the API serves answers 204 without a key: `Allow` with its methods and, for an
 * allowed origin's preflight, the CORS grant. Other requests from an allowed origin get
 * Access-Control-Allow-Origin and the exposed headers. `methodsOf` names the methods a path takes
 * (none: the path is unknown, and the request goes on to its 404).
 */
export function cors(origins: CorsOrigins, methodsOf: (path: string) => string[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const origin = allowedOrigin(origins, c.req.header('origin'));
    const vary = () => {
      if (origins !== '*') c.res.headers.append('vary', 'Origin');
    };
    if (c.req.method === 'OPTIONS') {
      const methods = methodsOf(c.req.path);
      if (methods.length === 0) return next();
      const allow = [...methods, 'OPTIONS'].join(', ');
      const headers = new Headers({ allow });
      if (origin && c.req.header('access-control-request-method')) {
        headers.set('access-control-allow-origin', origin);
        headers.set('access-control-allow-methods', allow);
        headers.set('access-control-allow-headers', CORS_ALLOW_HEADERS.join(', '));
        headers.set('access-control-max-age', String(CORS_MAX_AGE_SECONDS));
      }
      if (origins !== '*') headers.set('vary', 'Origin');
      return c.body(null, 204, Object.fromEntries(headers));
    }
    await next();
    if (origin) {
      c.res.headers.set('access-control-allow-origin', origin);
      c.res.headers.set('access-control-expose-headers', CORS_EXPOSE_HEADERS.join(', '));
    }
    vary();
  };
}
