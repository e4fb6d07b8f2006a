import type { RouteHandler } from '@hono/zod-openapi';
import * as core from '@parley/core';
import type { SquadRecord } from '@parley/db';
import type { AppEnv } from '../../../shared/env.js';
import { markReplay } from '../../../shared/idempotency.js';
import type * as routes from './routes.js';

function toSquad(s: SquadRecord) {
  return { id: s.id, name: s.name, description: s.description, pictureUrl: s.pictureUrl, assistants: s.assistants, createdAt: s.createdAt.toISOString() };
}

export const listSquads: RouteHandler<typeof routes.listSquads, AppEnv> = async (c) => {
  const page = await core.listSquadsPage(c.get('db'), c.get('principal'), c.req.valid('query'));
  return c.json({ squads: page.items.map(toSquad), hasMore: page.hasMore, nextCursor: page.nextCursor }, 200);
};

export const getSquad: RouteHandler<typeof routes.getSquad, AppEnv> = async (c) => {
  return c.json(toSquad(await core.getSquad(c.get('db'), c.get('principal'), c.req.valid('param').squad_id)), 200);
};

export const createSquad: RouteHandler<typeof routes.createSquad, AppEnv> = async (c) => {
  const { value, replayed } = await core.createSquad(c.get('db'), c.get('principal'), c.req.valid('json'), c.req.valid('header')['idempotency-key']);
  markReplay(c, replayed);
  return c.json(toSquad(value), 201);
};

export const updateSquad: RouteHandler<typeof routes.updateSquad, AppEnv> = async (c) => {
  return c.json(toSquad(await core.updateSquad(c.get('db'), c.get('principal'), c.req.valid('param').squad_id, c.req.valid('json'))), 200);
};

export const deleteSquad: RouteHandler<typeof routes.deleteSquad, AppEnv> = async (c) => {
  await core.deleteSquad(c.get('db'), c.get('principal'), c.req.valid('param').squad_id);
  return c.json({ success: true as const, message: 'Squad deleted' }, 200);
};
