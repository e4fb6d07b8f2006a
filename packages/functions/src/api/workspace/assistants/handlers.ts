import type { RouteHandler } from '@hono/zod-openapi';
import * as core from '@parley/core';
import type { AssistantDirectoryRecord, AssistantVersionRecord } from '@parley/db';
import type { AppEnv } from '../../../shared/env.js';
import { markReplay } from '../../../shared/idempotency.js';
import type * as routes from './routes.js';

function toAssistant(a: AssistantDirectoryRecord) {
  return {
    id: a.id,
    memberId: a.memberId,
    name: a.name,
    description: a.description,
    pictureUrl: a.pictureUrl,
    currentVersion: a.currentVersion,
    versionCount: a.versionCount,
    createdAt: a.createdAt.toISOString(),
  };
}

function toVersion(v: AssistantVersionRecord) {
  return { id: v.id, number: v.number, config: v.config, current: v.isCurrent, createdAt: v.createdAt.toISOString() };
}

export const listAssistants: RouteHandler<typeof routes.listAssistants, AppEnv> = async (c) => {
  const page = await core.listAssistantsPage(c.get('db'), c.get('principal'), c.req.valid('query'));
  return c.json({ assistants: page.items.map(toAssistant), hasMore: page.hasMore, nextCursor: page.nextCursor }, 200);
};

export const getAssistant: RouteHandler<typeof routes.getAssistant, AppEnv> = async (c) => {
  return c.json(toAssistant(await core.getAssistant(c.get('db'), c.get('principal'), c.req.valid('param').assistant_id)), 200);
};

export const createAssistant: RouteHandler<typeof routes.createAssistant, AppEnv> = async (c) => {
  const { value, replayed } = await core.createAssistant(c.get('db'), c.get('principal'), c.req.valid('json'), c.req.valid('header')['idempotency-key']);
  markReplay(c, replayed);
  return c.json(toAssistant(value), 201);
};

export const updateAssistant: RouteHandler<typeof routes.updateAssistant, AppEnv> = async (c) => {
  return c.json(toAssistant(await core.updateAssistant(c.get('db'), c.get('principal'), c.req.valid('param').assistant_id, c.req.valid('json'))), 200);
};

export const deleteAssistant: RouteHandler<typeof routes.deleteAssistant, AppEnv> = async (c) => {
  await core.deleteAssistant(c.get('db'), c.get('principal'), c.req.valid('param').assistant_id);
  return c.json({ success: true as const, message: 'Assistant deleted' }, 200);
};

export const listVersions: RouteHandler<typeof routes.listVersions, AppEnv> = async (c) => {
  const page = await core.listVersions(c.get('db'), c.get('principal'), c.req.valid('param').assistant_id, c.req.valid('query'));
  return c.json({ versions: page.items.map(toVersion), hasMore: page.hasMore, nextCursor: page.nextCursor }, 200);
};

export const getVersion: RouteHandler<typeof routes.getVersion, AppEnv> = async (c) => {
  const { assistant_id, version_id } = c.req.valid('param');
  return c.json(toVersion(await core.getVersion(c.get('db'), c.get('principal'), assistant_id, version_id)), 200);
};

export const createVersion: RouteHandler<typeof routes.createVersion, AppEnv> = async (c) => {
  const { value, replayed } = await core.createVersion(c.get('db'), c.get('principal'), c.req.valid('param').assistant_id, c.req.valid('json'), c.req.valid('header')['idempotency-key']);
  markReplay(c, replayed);
  return c.json(toVersion(value), 201);
};
