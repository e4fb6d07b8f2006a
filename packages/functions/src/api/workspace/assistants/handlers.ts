import type { RouteHandler, z } from '@hono/zod-openapi';
import * as core from '@parley/core';
import type { AssistantDirectoryRecord, AssistantVersionRecord } from '@parley/db';
import type { AppEnv } from '../../../shared/env.js';
import { pageBody, resourceHandlers } from '../../../shared/handlers.js';
import { replayedValue } from '../../../shared/idempotency.js';
import { type matches, toWire, type Wire } from '../../../shared/wire.js';
import type * as routes from './routes.js';
import type { Assistant } from './schemas.js';

// The directory record is what the schema describes, written out: a field either gains and the other lacks fails the typecheck.
const toAssistant = (a: AssistantDirectoryRecord) => toWire(a);
const _assistant: matches<z.infer<typeof Assistant>, Wire<AssistantDirectoryRecord>> = true;

function toVersion(v: AssistantVersionRecord) {
  return { id: v.id, number: v.number, config: v.config, current: v.isCurrent, createdAt: v.createdAt.toISOString() };
}

const services = { list: core.listAssistantsPage, get: core.getAssistant, create: core.createAssistant, update: core.updateAssistant, remove: core.deleteAssistant };
export const { listAssistants, getAssistant, createAssistant, updateAssistant, deleteAssistant } = resourceHandlers<typeof routes>()('Assistant', 'Assistants', toAssistant, services);

export const listVersions: RouteHandler<typeof routes.listVersions, AppEnv> = async (c) => {
  const page = await core.listVersions(c.get('db'), c.get('principal'), c.req.valid('param').assistant_id, c.req.valid('query'));
  return c.json(pageBody('versions', page, toVersion), 200);
};

export const getVersion: RouteHandler<typeof routes.getVersion, AppEnv> = async (c) => {
  const { assistant_id, version_id } = c.req.valid('param');
  return c.json(toVersion(await core.getVersion(c.get('db'), c.get('principal'), assistant_id, version_id)), 200);
};

export const createVersion: RouteHandler<typeof routes.createVersion, AppEnv> = async (c) => {
  const created = await core.createVersion(c.get('db'), c.get('principal'), c.req.valid('param').assistant_id, c.req.valid('json'), c.req.valid('header')['idempotency-key']);
  return c.json(toVersion(replayedValue(c, created)), 201);
};
