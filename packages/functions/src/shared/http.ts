import { AppError, type CorsOrigins } from '@parley/core';
import { Hono, type MiddlewareHandler } from 'hono';
import { requestId } from 'hono/request-id';
import { TrieRouter } from 'hono/router/trie-router';
import { compression } from './compression.js';
import { conditionalGet } from './conditional-get.js';
import { cors } from './cors.js';
import type { AppEnv } from './env.js';
import { renderError } from './errors.js';
import { requestLog, type Telemetry } from './request-log.js';

// What faces HTTP: the endpoint groups' apps (each made by createApp) mounted in one app that applies
// the conventions every response shares, once per request: the request id and the request's log line
// with its metrics, CORS, compression, conditional GET, 405 for a method a path does not take, 415 for a
// body that is not JSON, and a trailing slash read as the same path without it. Locally one such app
// mounts every group (local/app.ts); on Lambda each function mounts its own group (lambda-http.ts).

export interface HttpOptions {
  /** Origins browsers may call from. */
  cors: CorsOrigins;
  telemetry: Telemetry;
}

const JSON_TYPE = /^\s*application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** 415 for a request body that is not JSON: every operation that takes a body takes JSON (unknown routes go on to 404 or 405). */
const requireJsonBodies = (methodsOf: (path: string) => string[]): MiddlewareHandler<AppEnv> => async (c, next) => {
  if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && c.req.method !== 'OPTIONS' && methodsOf(c.req.path).includes(c.req.method)) {
    const type = c.req.header('content-type');
    const length = c.req.header('content-length');
    // Without a content type only a declared body counts (a bare POST has none); with one, any body.
    const declared = (length !== undefined && length !== '0') || c.req.header('transfer-encoding') !== undefined;
    const body = type === undefined ? declared : length !== '0' && c.req.raw.body !== null;
    if (body && !JSON_TYPE.test(type ?? '')) {
      throw new AppError('unsupported_media_type', `Request bodies must be JSON, sent with Content-Type: application/json${type ? `; this one is ${type.split(';')[0]}` : ''}`);
    }
  }
  await next();
};

/** The methods each path takes, from an app's routes (middleware aside); GET brings HEAD. */
export function methodsByPath(app: Hono<any, any, any>): (path: string) => string[] {
  let router: TrieRouter<string[]> | undefined;
  let routeCount = -1;
  return (path) => {
    if (!router || routeCount !== app.routes.length) {
      const byPath = new Map<string, Set<string>>();
      for (const route of app.routes) {
        if (route.method === 'ALL') continue;
        const methods = byPath.get(route.path) ?? new Set<string>();
        methods.add(route.method);
        if (route.method === 'GET') methods.add('HEAD');
        byPath.set(route.path, methods);
      }
      router = new TrieRouter<string[]>();
      for (const [routePath, methods] of byPath) router.add('ALL', routePath, [...methods]);
      routeCount = app.routes.length;
    }
    const allowed = new Set<string>();
    for (const [methods] of router.match('ALL', path)[0]) for (const method of methods) allowed.add(method);
    return [...allowed].sort();
  };
}

/** The groups' apps behind the shared conventions; `extra` registers routes of its own (the local server's). */
export function createHttpApp(groups: Array<Hono<any, any, any>>, options: HttpOptions, extra?: (app: Hono<AppEnv>) => void): Hono<AppEnv> {
  // strict: false serves `/api/v1/chats/` as `/api/v1/chats`.
  const app = new Hono<AppEnv>({ strict: false });
  const methodsOf = methodsByPath(app);
  // An id for every response, also those answered here (preflights, 404, 405, 415); a group's own
  // request-id middleware (createApp) sets it again for its routes, header and variable alike.
  app.use(requestId({ headerName: 'x-request-id' }));
  app.use(requestLog(options.telemetry));
  app.use(cors(options.cors, methodsOf));
  app.use(compression());
  app.use(conditionalGet());
  app.use(requireJsonBodies(methodsOf));
  extra?.(app);
  for (const group of groups) app.route('/', group);
  app.notFound((c) => {
    const allowed = methodsOf(c.req.path);
    if (allowed.length === 0) return renderError(new AppError('not_found', `No route for ${c.req.method} ${c.req.path}`), c);
    c.header('allow', [...allowed, 'OPTIONS'].join(', '));
    return renderError(new AppError('method_not_allowed', `${c.req.method} is not allowed on ${c.req.path}; it takes ${allowed.join(', ')}`), c);
  });
  app.onError(renderError);
  return app;
}
