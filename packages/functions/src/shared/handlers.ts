import type { RouteConfig, RouteConfigToTypedResponse, RouteHandler } from '@hono/zod-openapi';
import type { ListPage, Principal } from '@parley/core';
import type { Context } from 'hono';
import type { JSONParsed } from 'hono/utils/types';
import type { AppEnv } from './env.js';
import { replayedValue } from './idempotency.js';

// What the handlers share: a cursor page as every v2 list answers it, and the five handlers of a
// workspace resource (list, get, create, update, delete). Each parses, calls core once and writes the
// answer; what may be done, and how, stays core's.

type Db = AppEnv['Variables']['db'];

/** A cursor page written out: the items under `key` (each through `write`), then `hasMore` and `nextCursor`. */
export function pageBody<K extends string, R, T>(key: K, page: ListPage<R>, write: (item: R) => T) {
  return { [key]: page.items.map(write), hasMore: page.hasMore, nextCursor: page.nextCursor } as { [P in K]: T[] } & { hasMore: boolean; nextCursor: string | null };
}

/** The body of a delete: `{ success: true, message: '<What> deleted' }`. */
export const deletedBody = (what: string) => ({ success: true as const, message: `${what} deleted` });

/** The route of that name among a routes module's exports. */
type RouteOf<Routes, K extends string> = Routes[K & keyof Routes] extends infer R extends RouteConfig ? R : never;
/** What a route's validator of `target` (`param`, `query`, `json`, `header`) hands its handler. */
type Valid<R extends RouteConfig, T extends string> = Parameters<RouteHandler<R, AppEnv>>[0] extends Context<any, any, infer I> ? (I extends { out: Record<T, infer V> } ? V : never) : never;
/** The JSON a route answers with `status`. */
type Answer<R extends RouteConfig, S extends number> = Extract<RouteConfigToTypedResponse<R>, { _status: S }> extends { _data: infer D } ? D : never;

type Names<One extends string, Many extends string> = { list: `list${Many}`; get: `get${One}`; create: `create${One}`; update: `update${One}`; remove: `delete${One}` };

/** The core calls behind a resource's five operations; `id` is the resource's id in the path. */
export interface ResourceServices<Rec, Query, Create, Update> {
  list(db: Db, principal: Principal, query: Query): Promise<ListPage<Rec>>;
  get(db: Db, principal: Principal, id: string): Promise<Rec>;
  create(db: Db, principal: Principal, body: Create, idempotencyKey: string | undefined): Promise<{ value: Rec; replayed: boolean }>;
  update(db: Db, principal: Principal, id: string, body: Update): Promise<Rec>;
  remove(db: Db, principal: Principal, id: string): Promise<void>;
}

/** `T` with the keys `M` names renamed (and moved last), as `renamed` writes it. */
export type Renamed<T, M extends Record<string, string>> = { [K in keyof T as K extends keyof M ? never : K]: T[K] } & {
  [K in keyof T & keyof M as M[K] & string]?: Exclude<T[K], undefined>;
};

/**
 * The value with the keys `names` maps renamed, for a body or query whose names are not core's (a
 * channel's `enabled` is its `isEnabled`): each renamed key follows the others, and is left out when undefined.
 */
export function renamed<T extends object, const M extends Record<string, string>>(value: T, names: M): Renamed<T, M> {
  const rest = { ...value } as Record<string, unknown>;
  const moved: Record<string, unknown> = {};
  for (const [from, to] of Object.entries(names)) {
    if (rest[from] !== undefined) moved[to] = rest[from];
    delete rest[from];
  }
  return { ...rest, ...moved } as Renamed<T, M>;
}

type Handlers<Routes, N extends Record<string, string>> = { [Op in keyof N as N[Op]]: RouteHandler<RouteOf<Routes, N[Op]>, AppEnv> };

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** How a resource's requests name what core names otherwise: renamed keys of the list query and of the bodies. */
export interface ResourceNames {
  query?: Record<string, string>;
  body?: Record<string, string>;
}

type QueryOf<Routes, Many extends string, N extends ResourceNames> = Renamed<Valid<RouteOf<Routes, `list${Many}`>, 'query'>, NonNullable<N['query']>>;
type BodyOf<Routes, Op extends string, N extends ResourceNames> = Renamed<Valid<RouteOf<Routes, Op>, 'json'>, NonNullable<N['body']>>;

/**
 * The handlers of a workspace resource, named as its routes are: for `('Contact', 'Contacts')`, `listContacts`
 * (the page under `contacts`), `getContact`, `createContact` (201, marking a replay), `updateContact` and
 * `deleteContact` (`Contact deleted`), the id read from the path parameter `contact_id`. `write` writes a
 * record as the route's schema describes it; `Routes` is the resource's routes module (`typeof routes`).
 */
export function resourceHandlers<Routes>() {
  return <One extends string, Many extends string, Rec, W, const N extends ResourceNames = {}>(
    one: One,
    many: Many,
    write: (record: Rec) => W,
    services: ResourceServices<Rec, QueryOf<Routes, Many, N>, BodyOf<Routes, `create${One}`, N>, BodyOf<Routes, `update${One}`, N>>,
    renames: N = {} as N,
  ): JSONParsed<W> extends Answer<RouteOf<Routes, `get${One}`>, 200> ? Handlers<Routes, Names<One, Many>> : { 'write does not answer as the get route declares': never } => {
    const key = lowerFirst(many);
    const param = `${lowerFirst(one)}_id`;
    const query = (c: C) => renamed(c.req.valid('query'), renames.query ?? {}) as never;
    const body = (c: C) => renamed(c.req.valid('json'), renames.body ?? {}) as never;
    const id = (c: C) => c.req.valid('param')[param]!;
    const handlers: Record<keyof Names<One, Many>, (c: C) => Promise<Response>> = {
      list: async (c) => c.json(pageBody(key, await services.list(c.get('db'), c.get('principal'), query(c)), write), 200),
      get: async (c) => c.json(write(await services.get(c.get('db'), c.get('principal'), id(c))), 200),
      create: async (c) => c.json(write(replayedValue(c, await services.create(c.get('db'), c.get('principal'), body(c), c.req.valid('header')['idempotency-key']))), 201),
      update: async (c) => c.json(write(await services.update(c.get('db'), c.get('principal'), id(c), body(c))), 200),
      remove: async (c) => {
        await services.remove(c.get('db'), c.get('principal'), id(c));
        return c.json(deletedBody(one), 200);
      },
    };
    const named: Names<string, string> = { list: `list${many}`, get: `get${one}`, create: `create${one}`, update: `update${one}`, remove: `delete${one}` };
    return Object.fromEntries(Object.entries(handlers).map(([op, handler]) => [named[op as keyof typeof named], handler])) as never;
  };
}

/** The context the handlers above read: the validated path, query, body and Idempotency-Key. */
type C = Context<AppEnv, string, { out: { query: object; json: object; param: Record<string, string>; header: { 'idempotency-key'?: string } } }>;
