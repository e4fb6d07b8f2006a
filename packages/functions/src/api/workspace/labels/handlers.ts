import type { RouteHandler } from '@hono/zod-openapi';
import * as core from '@parley/core';
import type { LabelDefinitionRecord } from '@parley/db';
import type { AppEnv } from '../../../shared/env.js';
import { markReplay } from '../../../shared/idempotency.js';
import type * as routes from './routes.js';

function toLabel(l: LabelDefinitionRecord) {
  return { id: l.id, name: l.name, description: l.description, color: l.color, keywords: l.keywords, chatCount: l.chatCount, createdAt: l.createdAt.toISOString() };
}

export const listLabels: RouteHandler<typeof routes.listLabels, AppEnv> = async (c) => {
  const page = await core.listLabelsPage(c.get('db'), c.get('principal'), c.req.valid('query'));
  return c.json({ labels: page.items.map(toLabel), hasMore: page.hasMore, nextCursor: page.nextCursor }, 200);
};

export const getLabel: RouteHandler<typeof routes.getLabel, AppEnv> = async (c) => {
  return c.json(toLabel(await core.getLabel(c.get('db'), c.get('principal'), c.req.valid('param').label_id)), 200);
};

export const createLabel: RouteHandler<typeof routes.createLabel, AppEnv> = async (c) => {
  const { value, replayed } = await core.createLabel(c.get('db'), c.get('principal'), c.req.valid('json'), c.req.valid('header')['idempotency-key']);
  markReplay(c, replayed);
  return c.json(toLabel(value), 201);
};

export const updateLabel: RouteHandler<typeof routes.updateLabel, AppEnv> = async (c) => {
  return c.json(toLabel(await core.updateLabel(c.get('db'), c.get('principal'), c.req.valid('param').label_id, c.req.valid('json'))), 200);
};

export const deleteLabel: RouteHandler<typeof routes.deleteLabel, AppEnv> = async (c) => {
  await core.deleteLabel(c.get('db'), c.get('principal'), c.req.valid('param').label_id);
  return c.json({ success: true as const, message: 'Label deleted' }, 200);
};
