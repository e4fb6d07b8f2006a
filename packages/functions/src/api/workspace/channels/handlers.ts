import type { RouteHandler } from '@hono/zod-openapi';
import * as core from '@parley/core';
import type { ChannelDirectoryRecord } from '@parley/db';
import type { AppEnv } from '../../../shared/env.js';
import { markReplay } from '../../../shared/idempotency.js';
import type * as routes from './routes.js';

function toChannel(ch: ChannelDirectoryRecord) {
  return {
    id: ch.id,
    type: ch.type,
    name: ch.name,
    enabled: ch.isEnabled,
    notificationsEnabled: ch.notificationsEnabled,
    responder: ch.responder,
    avatarUrl: ch.avatarUrl,
    createdAt: ch.createdAt.toISOString(),
  };
}

function toPatch<T extends { enabled?: boolean }>(body: T) {
  const { enabled, ...rest } = body;
  return { ...rest, ...(enabled !== undefined && { isEnabled: enabled }) };
}

export const listChannels: RouteHandler<typeof routes.listChannels, AppEnv> = async (c) => {
  const { type, ...query } = c.req.valid('query');
  const page = await core.listChannelsPage(c.get('db'), c.get('principal'), { ...query, types: type });
  return c.json({ channels: page.items.map(toChannel), hasMore: page.hasMore, nextCursor: page.nextCursor }, 200);
};

export const getChannel: RouteHandler<typeof routes.getChannel, AppEnv> = async (c) => {
  return c.json(toChannel(await core.getChannel(c.get('db'), c.get('principal'), c.req.valid('param').channel_id)), 200);
};

export const createChannel: RouteHandler<typeof routes.createChannel, AppEnv> = async (c) => {
  const { value, replayed } = await core.createChannel(c.get('db'), c.get('principal'), toPatch(c.req.valid('json')), c.req.valid('header')['idempotency-key']);
  markReplay(c, replayed);
  return c.json(toChannel(value), 201);
};

export const updateChannel: RouteHandler<typeof routes.updateChannel, AppEnv> = async (c) => {
  return c.json(toChannel(await core.updateChannel(c.get('db'), c.get('principal'), c.req.valid('param').channel_id, toPatch(c.req.valid('json')))), 200);
};

export const deleteChannel: RouteHandler<typeof routes.deleteChannel, AppEnv> = async (c) => {
  await core.deleteChannel(c.get('db'), c.get('principal'), c.req.valid('param').channel_id);
  return c.json({ success: true as const, message: 'Channel deleted' }, 200);
};
