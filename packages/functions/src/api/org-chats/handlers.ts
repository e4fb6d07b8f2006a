import type { RouteHandler } from '@hono/zod-openapi';
import * as core from '@parley/core';
import type { OrgChat, OrgChatPage } from '@parley/core';
import type { Context } from 'hono';
import type { AppEnv } from '../../shared/env.js';
import type { z } from '@hono/zod-openapi';
import type * as routes from './routes.js';
import type { ChatRead, OrgChat as OrgChatSchema } from './schemas.js';
import { camelKeys, type matches, toSnakeWire } from '../../shared/wire.js';

// Domain -> the org-chats wire format: the domain objects with snake_case keys and ISO instants (tag Org chats of
// /openapi.json, whose schemas are checked against them). A tool's parameter schema and the web search
// settings are stored JSON, written as they are.

const toOrgChat = (chat: OrgChat) => toSnakeWire(chat, ['parameters', 'webSearch']);
const toChatRead = (read: { chatId: string; seenAt: Date }) => toSnakeWire(read);

// The schemas describe exactly these: a field the domain gains and the schema lacks fails the typecheck.
const _chat: matches<z.infer<typeof OrgChatSchema>, ReturnType<typeof toOrgChat>> = true;
const _read: matches<z.infer<typeof ChatRead>, ReturnType<typeof toChatRead>> = true;

function setPagingHeaders(c: Context, page: OrgChatPage) {
  c.header('X-Has-More', String(page.hasMore));
  if (page.nextPageToken) {
    c.header('X-Next-Page-Token', page.nextPageToken);
    const next = new URL(c.req.url);
    next.searchParams.delete('page');
    next.searchParams.set('next_page_token', page.nextPageToken);
    c.header('Link', `<${next.pathname}${next.search}>; rel="next"`);
  }
}

export const listOrgChats: RouteHandler<typeof routes.listOrgChats, AppEnv> = async (c) => {
  const { org_id } = c.req.valid('param');
  const page = await core.listOrgChats(c.get('db'), c.get('principal'), org_id, camelKeys(c.req.valid('query')));
  setPagingHeaders(c, page);
  return c.json(page.items.map(toOrgChat), 200);
};

export const markOrgChatRead: RouteHandler<typeof routes.markOrgChatRead, AppEnv> = async (c) => {
  const { org_id, chat_id } = c.req.valid('param');
  const read = await core.markOrgChatRead(c.get('db'), c.get('principal'), org_id, chat_id);
  return c.json(toChatRead(read), 200);
};
