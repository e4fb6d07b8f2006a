import { OpenAPIHono } from '@hono/zod-openapi';
import { AppError, authenticate, config, createProviders, type Providers } from '@parley/core';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import type { AppDeps, AppEnv } from './env.js';
import { renderError, renderNotFound, zodIssuesToAppError } from './errors.js';

export const MAX_BODY_BYTES = 1024 * 1024;

/** Every group's app starts here: request ids, the validation hook and the error renderer, once. */
export function createApp() {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw zodIssuesToAppError(result.error, result.target);
    },
  });
  app.use(requestId({ headerName: 'x-request-id' }));
  app.use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new AppError('payload_too_large', `Request bodies are limited to ${MAX_BODY_BYTES / 1024} KB`);
      },
    }),
  );
  app.onError(renderError);
  app.notFound(renderNotFound);
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

/** Authenticates the request and makes the database and the principal available to handlers. */
export function requireApiKey(deps: AppDeps, options: { extraHeaders?: string[] } = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const db = await deps.db();
    c.set('db', db);
    c.set('principal', await authenticate(db, apiKeyFrom(c.req, options.extraHeaders)));
    await next();
  };
}

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
    c.set('providers', deps.providers?.() ?? (configuredProviders ??= createProviders(config().providers)));
    await next();
  };
}
