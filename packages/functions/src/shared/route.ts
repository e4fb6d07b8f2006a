import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import * as z from 'zod';
import { authorize, type Permission, scopesGranting } from '@parley/core';
import type { MiddlewareHandler } from 'hono';
import { security as defaultSecurity } from './app.js';
import type { AppEnv } from './env.js';
import { RATE_LIMIT_HEADER_OBJECTS, RATE_LIMIT_HEADERS } from './errors.js';

// Every route of the API is made here: it declares the permission it needs once, and that one
// declaration is enforced (the policy's authorize, before the request is validated or handled), stated
// in its security requirement and written into its description. What the operation may reach is decided
// by the policy in core (every chat query takes the caller's reach); `reach` names it in the docs.

/**
 * What an operation reaches: `chats`, the chats within the caller's reach (lists, counts, exports);
 * `chat`, one chat by id (404 outside the reach); `exports`, export jobs (the requester's own, or all).
 */
export type Reach = 'chats' | 'chat' | 'exports';

/** A JSON request body or response of `schema`, for a route definition. */
export const json = <T>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

/** A required JSON request body of `schema`, for a route definition. */
export const body = <T>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });

const REACH_RULE =
  'Admin members and `chats:admin` keys reach every chat of the workspace; other members the chats they own, take part in (as a participant) or are assigned to. ' +
  'Chats owned by anonymous end users are left out of every list, lookup, export and count without `chats:admin`.';

const REACH_TEXT: Record<Reach, string> = {
  chats: `Only the chats within the caller's reach count. ${REACH_RULE}`,
  chat: `${REACH_RULE} A chat outside the caller's reach answers 404, as if it did not exist.`,
  exports: 'Admin members and `chats:admin` keys read every export of the workspace; other members only those they requested (any other answers 404).',
};

function permissionText(permission: Permission): string {
  const broader = scopesGranting(permission).map((s) => `\`${s}\``);
  const grant = broader.length === 1 ? 'grants' : 'grant';
  return `Requires \`${permission}\`${broader.length ? ` (${broader.join(' and ')} ${grant} it too)` : ''}.`;
}

/** 403 before the request is validated or handled when the key lacks the permission. */
function requirePermission(permission: Permission): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = c.get('principal');
    // A route reached without authentication is a wiring mistake: refuse rather than serve it.
    if (!principal) throw new Error(`${c.req.method} ${c.req.path} declares ${permission} but no API key was authenticated`);
    authorize(principal, permission);
    await next();
  };
}

export interface Access {
  permission: Permission;
  reach?: Reach;
  /** The security schemes (the group's own list when it takes more headers); the permission is added to each. */
  security?: Array<Record<string, string[]>>;
}

/** Each success (and redirect) response also states the RateLimit headers every authenticated answer carries. */
function withRateLimitHeaders(responses: RouteConfig['responses']): RouteConfig['responses'] {
  return Object.fromEntries(
    Object.entries(responses).map(([status, response]) => {
      if (!/^[23]/.test(status) || !response || !('description' in response)) return [status, response];
      const headers = (response as { headers?: unknown }).headers;
      const merged = headers instanceof z.ZodObject ? headers.extend(RATE_LIMIT_HEADERS) : { ...(headers as object | undefined), ...RATE_LIMIT_HEADER_OBJECTS };
      return [status, { ...response, headers: merged }];
    }),
  );
}

/**
 * Every operation has a stable camelCase `operationId` (generated SDKs name their methods by it, and it
 * must not change when a path or summary does); the route types demand it, and test/openapi.test.ts
 * checks they are unique.
 */
export type OperationId = string;

/** `createRoute` with the operation's access declared: enforced, in `security`, and in the description. */
export function authorizedRoute<P extends string, R extends Omit<RouteConfig, 'path' | 'security' | 'middleware' | 'operationId'> & { path: P; operationId: OperationId }>(
  access: Access,
  route: R,
) {
  const sentences = [permissionText(access.permission), access.reach && REACH_TEXT[access.reach]].filter(Boolean).join(' ');
  return createRoute({
    ...route,
    description: route.description ? `${route.description}\n\n${sentences}` : sentences,
    responses: withRateLimitHeaders(route.responses) as R['responses'],
    security: (access.security ?? defaultSecurity).map((requirement) => Object.fromEntries(Object.keys(requirement).map((name) => [name, [access.permission]]))),
    middleware: requirePermission(access.permission),
  });
}

/** A route that needs no key (the health checks): `security: []`, and an `operationId` like every other. */
export function publicRoute<P extends string, R extends Omit<RouteConfig, 'path' | 'security' | 'operationId'> & { path: P; operationId: OperationId }>(route: R) {
  return createRoute({ ...route, security: [] });
}
