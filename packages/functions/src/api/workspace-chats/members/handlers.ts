import type { RouteHandler } from '@hono/zod-openapi';
import * as core from '@parley/core';
import type { AppEnv } from '../../../shared/env.js';
import { pageBody } from '../../../shared/handlers.js';
import type * as routes from './routes.js';

function toWorkspaceMember(m: core.WorkspaceMember) {
  return { id: m.id, identityId: m.identityId, kind: m.kind, name: m.name, email: m.email, role: m.role, avatar: m.avatar, createdAt: m.createdAt.toISOString() };
}

export const listMembers: RouteHandler<typeof routes.listMembers, AppEnv> = async (c) => {
  const page = await core.listWorkspaceMembers(c.get('db'), c.get('principal'), c.req.valid('query'));
  return c.json(pageBody('members', page, toWorkspaceMember), 200);
};
