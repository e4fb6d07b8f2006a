import type { RouteHandler } from '@hono/zod-openapi';
import * as core from '@parley/core';
import type { AppEnv } from '../../shared/env.js';
import type * as routes from './routes.js';

export const changefeed: RouteHandler<typeof routes.changefeed, AppEnv> = async (c) => {
  const query = c.req.valid('query');
  const page = await core.readChangefeed(c.get('db'), c.get('principal'), { after: query.after, types: query.types, limit: query.limit, waitSeconds: query.wait }, c.req.raw.signal);
  c.header('cache-control', 'no-store');
  return c.json(page, 200);
};
