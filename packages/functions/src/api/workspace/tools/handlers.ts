import * as core from '@parley/core';
import type { WorkspaceToolRecord } from '@parley/db';
import { resourceHandlers } from '../../../shared/handlers.js';
import type * as routes from './routes.js';

function toTool(t: WorkspaceToolRecord) {
  return { id: t.id, name: t.name, description: t.description, parameters: t.inputSchema, callbackUrl: t.callbackUrl, timeoutMs: t.timeoutMs, createdAt: t.createdAt.toISOString() };
}

const services = { list: core.listTools, get: core.getTool, create: core.createTool, update: core.updateTool, remove: core.deleteTool };
export const { listTools, getTool, createTool, updateTool, deleteTool } = resourceHandlers<typeof routes>()('Tool', 'Tools', toTool, services, { body: { parameters: 'inputSchema' } });
