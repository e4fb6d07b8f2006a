import { OpenAPIHono, type RouteConfig, type RouteHandler } from '@hono/zod-openapi';
import { AppError, authenticate, config, createLazyProviders, type Providers, rateLimitedError, rateLimitState, requireOwnWorkspace } from '@parley/core';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import type { AppDeps, AppEnv } from './env.js';
import { renderError, renderNotFound, zodIssuesToAppError } from './errors.js';
import { inputGuard } from './input-guard.js';

export const MAX_BODY_BYTES = 1024 * 1024;

// On the local server every group's app sees each request; what they share runs for the first only
// (the body, once read by the input guard, cannot be read again by a second body limit).
const started = new WeakSet<Context>();

function oncePerRequest(...middleware: MiddlewareHandler[]): MiddlewareHandler {
  return async (c, next) => {
    if (started.has(c)) return next();
    started.add(c);
    const run = async (i: number): Promise<void> => {
      if (i === middleware.length) return next();
      const response = await middleware[i]!(c, () => run(i + 1));
      if (response instanceof Response) c.res = response;
    };
    await run(0);
  };
}

/** Every group's app starts here: request ids, the body limit, the input guard, the validation hook and the error renderer, once. */
export function createApp() {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw zodIssuesToAppError(result.error, result.target);
    },
  });
  app.use(
    oncePerRequest(
      requestId({ headerName: 'x-request-id' }),
      bodyLimit({
        maxSize: MAX_BODY_BYTES,
        onError: () => {
          throw new AppError('payload_too_large', `Request bodies are limited to ${MAX_BODY_BYTES / 1024} KB`);
        },
      }),
      inputGuard(),
    ),
  );
  app.onError(renderError);
  app.notFound(renderNotFound);
  return app;
}

/**
 * Operations of a group, registered in this order: each named route of a routes module with the handler
 * of the same name (fixed paths before the parameterised ones that would read them as an id).
 */
export type Operations = readonly [routes: object, handlers: object, names: readonly string[]];

/** Operations whose every name is a route of `routes` and a handler of `handlers` that fits it. */
export function operations<R, H extends { [K in N]: RouteHandler<R[K] extends RouteConfig ? R[K] : never, AppEnv> }, const N extends keyof R & string>(
  routes: R,
  handlers: H,
  names: readonly N[],
): Operations {
  return [routes as object, handlers, names];
}

export interface GroupSetup {
  /** Middleware by path, in order: `[path, ...middleware]`. */
  use?: Array<[path: string, ...middleware: MiddlewareHandler<AppEnv>[]]>;
  /** What the group sends to webhook endpoints (the document's `webhooks`), registered before its routes. */
  webhooks?: readonly Parameters<OpenAPIHono['openAPIRegistry']['registerWebhook']>[0][];
}

/** A group's app: `createApp`, then its middleware by path, its webhooks and its operations, in order. */
export function createGroupApp(setup: GroupSetup, ...groups: Operations[]) {
  const app = createApp();
  for (const [path, ...middleware] of setup.use ?? []) app.use(path, ...middleware);
  for (const webhook of setup.webhooks ?? []) app.openAPIRegistry.registerWebhook(webhook);
  for (const [routes, handlers, names] of groups) {
    for (const name of names) app.openapi((routes as Record<string, RouteConfig>)[name]!, (handlers as Record<string, never>)[name]!);
  }
  return app;
}

/** Reads the API key from `Authorization: Bearer <key>`, a bare `Authorization: <key>`, or `x-api-key`. */
export function apiKeyFrom(headers: { header(name: string): string | undefined }, extraHeaders: string[] = []): string | undefined {
  const authorization = headers.header('authorization')?.trim();
  if (authorization) return authorization.replace(/^Bearer\s+/i, '');
  for (const name of ['x-api-key', ...extraHeaders]) {
    const value = headers.header(name)?.trim();
    if (value) return value;
  }
  return undefined;
}

/**
 * Authenticates the request and makes the database and the principal available to handlers. With rate
 * limits on, the same lookup counts the request in the key's window: every authenticated response
 * carries RateLimit-Limit, -Remaining, -Reset and -Policy (IETF draft), and one past the limit is a 429
 * with Retry-After.
 */
export function requireApiKey(deps: AppDeps, options: { extraHeaders?: string[] } = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const db = await deps.db();
    c.set('db', db);
    const limits = deps.rateLimits?.() ?? config().rateLimits;
    const principal = await authenticate(db, apiKeyFrom(c.req, options.extraHeaders), { windowSeconds: limits.enabled ? limits.windowSeconds : undefined });
    c.set('principal', principal);
    if (limits.enabled && principal.window) {
      const state = rateLimitState(limits, principal, principal.window);
      c.header('RateLimit-Limit', String(state.limit));
      c.header('RateLimit-Remaining', String(state.remaining));
      c.header('RateLimit-Reset', String(state.resetSeconds));
      c.header('RateLimit-Policy', `${state.limit};w=${state.windowSeconds}`);
      if (state.exceeded) {
        c.header('Retry-After', String(state.resetSeconds));
        throw rateLimitedError(state);
      }
    }
    await next();
    // A change may have recorded events: wake the webhook dispatcher (its sweep catches a lost wake-up).
    if (deps.notifyEvents && c.req.method !== 'GET' && c.req.method !== 'HEAD' && c.res.status < 400) {
      await deps.notifyEvents().catch((err: unknown) => console.error(JSON.stringify({ level: 'warn', message: 'webhook dispatch could not be queued', error: String(err) })));
    }
  };
}

/** Makes the webhook services available to the webhook endpoint routes. */
export function withWebhooks(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('webhooks', deps.webhooks?.());
    await next();
  };
}

/** The key's workspace must be the one in the path (`workspace_uuid`); any other answers 404. */
export const requirePathWorkspace: MiddlewareHandler<AppEnv> = async (c, next) => {
  requireOwnWorkspace(c.get('principal'), c.req.param('workspace_uuid') ?? '');
  await next();
};

export const securitySchemes = {
  bearerAuth: { type: 'http', scheme: 'bearer', description: 'API key as `Authorization: Bearer <key>` (a bare `Authorization: <key>` works too).' },
  apiKeyHeader: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'API key in the `x-api-key` header.' },
  chatcaptainKey: {
    type: 'apiKey',
    in: 'header',
    name: 'x-chatcaptain-key',
    description: 'API key in the `x-chatcaptain-key` header; accepted by the statistics endpoints only.',
  },
} as const;

export const security: Array<Record<string, string[]>> = [{ bearerAuth: [] }, { apiKeyHeader: [] }];

/** Makes the export queue and store available to the export routes; other routes never build them. */
export function withExports(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('exports', deps.exports?.());
    await next();
  };
}

let configuredProviders: Providers | undefined;

/** Makes the providers (the deps' own, else the configuration's, built once) available to handlers. */
export function withProviders(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('providers', deps.providers?.() ?? (configuredProviders ??= createLazyProviders(config().providers)));
    await next();
  };
}
