import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps, AppEnv } from '../shared/env.js';
import { createChatsApp } from './chats/index.js';
import { createEventsApp } from './events/index.js';
import { createHealthApp } from './health/index.js';
import { createKeysApp } from './keys/index.js';
import { createWorkspaceChatsApp } from './workspace-chats/index.js';
import { createOrgChatsApp } from './org-chats/index.js';
import { createStatisticsApp } from './statistics/index.js';
import { createWorkspaceApp } from './workspace/index.js';

/** The app of every endpoint group that serves the public API, by the group's name in groups.ts. */
export const groupApps: Record<string, (deps: AppDeps) => OpenAPIHono<AppEnv, any, any>> = {
  chats: createChatsApp,
  'workspace-chats': createWorkspaceChatsApp,
  workspace: createWorkspaceApp,
  events: createEventsApp,
  'org-chats': createOrgChatsApp,
  statistics: createStatisticsApp,
  keys: createKeysApp,
  health: createHealthApp,
};
