import type { RouteHandler } from '@hono/zod-openapi';
import * as core from '@parley/core';
import type { WorkspaceToolRecord } from '@parley/db';
import type { AppEnv } from '../../../shared/env.js';
import { markReplay } from '../../../shared/idempotency.js';
import type * as routes from './routes.js';

function toTool(t: WorkspaceToolRecord) {
  return { id: t.id, name: t.name, description: t.description, parameters: t.inputSchema, callbackUrl: t.callbackUrl, timeoutMs: t.timeoutMs, createdAt: t.createdAt.toISOString() };
}

/** The body's `parameters` are the tool's input schema. */
function toPatch<T extends { parameters?: Record<string, unknown> }>(body: T) {
  const { parameters, ...rest } = body;
  return { ...rest, ...(parameters !== undefined && { inputSchema: parameters }) };
}

export const listTools: RouteHandler<typeof routes.listTools, AppEnv> = async (c) => {
  const page = await core.listTools(c.get('db'), c.get('principal'), c.req.valid('query'));
  return c.json({ tools: page.items.map(toTool), hasMore: page.hasMore, nextCursor: page.nextCursor }, 200);
};

export const getTool: RouteHandler<typeof routes.getTool, AppEnv> = async (c) => {
  return c.json(toTool(await core.getTool(c.get('db'), c.get('principal'), c.req.valid('param').tool_id)), 200);
};

export const createTool: RouteHandler<typeof routes.createTool, AppEnv> = async (c) => {
  const { value, replayed } = await core.createTool(c.get('db'), c.get('principal'), toPatch(c.req.valid('json')), c.req.valid('header')['idempotency-key']);
  markReplay(c, replayed);
  return c.json(toTool(value), 201);
};

export const updateTool: RouteHandler<typeof routes.updateTool, AppEnv> = async (c) => {
  return c.json(toTool(await core.updateTool(c.get('db'), c.get('principal'), c.req.valid('param').tool_id, toPatch(c.req.valid('json')))), 200);
};

export const deleteTool: RouteHandler<typeof routes.deleteTool, AppEnv> = async (c) => {
  await core.deleteTool(c.get('db'), c.get('principal'), c.req.valid('param').tool_id);
  return c.json({ success: true as const, message: 'Tool deleted' }, 200);
};
