import type { RouteHandler } from '@hono/zod-openapi';
import * as core from '@parley/core';
import type { WorkspaceChatRecord } from '@parley/db';
import type { Context } from 'hono';
import { etagOf, noneMatch } from '../../shared/conditional-get.js';
import type { AppEnv } from '../../shared/env.js';
import type { z } from '@hono/zod-openapi';
import type * as routes from './routes.js';
import type * as schemas from './schemas.js';
import { iso, type matches } from '../../shared/wire.js';

export function toWorkspaceChat(chat: WorkspaceChatRecord) {
  return {
    id: chat.number,
    uuid: chat.id,
    title: chat.title,
    summary: chat.summary,
    summary_updated_at: iso(chat.summaryUpdatedAt),
    summaryUpdatedAt: iso(chat.summaryUpdatedAt),
    chatType: chat.chatType,
    channel: chat.channelType ?? 'api',
    channelId: chat.channelId,
    channelName: chat.channelName,
    owner: { id: chat.ownerId, name: chat.ownerName, kind: chat.ownerKind, memberId: chat.ownerMemberId, isAnonymous: chat.isAnonymous },
    assistantMemberId: chat.assistantMemberId,
    assignedMemberId: chat.assignedMemberId,
    participants: chat.participants,
    labels: chat.labels,
    archived: chat.isArchived,
    paused: chat.isPaused,
    muted: chat.isMuted,
    needsResponse: chat.needsResponse,
    isTest: chat.isTest,
    state: chat.state,
    messageCount: chat.messageCount,
    lastMessageAt: iso(chat.lastMessageAt),
    createdAt: chat.createdAt.toISOString(),
    updatedAt: chat.updatedAt.toISOString(),
  };
}

// The schema describes exactly this: a field the mapping gains and the schema lacks fails the typecheck.
const _chat: matches<z.infer<typeof schemas.WorkspaceChat>, ReturnType<typeof toWorkspaceChat>> = true;

export const listChats: RouteHandler<typeof routes.listChats, AppEnv> = async (c) => {
  const query = c.req.valid('query');
  const page = await core.listWorkspaceChats(c.get('db'), c.get('principal'), query);
  return c.json({ chats: page.items.map(toWorkspaceChat), page: query.page, pageSize: query.pageSize, hasMore: page.hasMore, nextCursor: page.nextCursor }, 200);
};

export const needsResponse: RouteHandler<typeof routes.needsResponse, AppEnv> = async (c) => {
  return c.json(await core.chatsNeedingResponse(c.get('db'), c.get('principal')), 200);
};

export const dailyCreation: RouteHandler<typeof routes.dailyCreation, AppEnv> = async (c) => {
  const query = c.req.valid('query');
  return c.json({ dailyStats: await core.dailyChatCreation(c.get('db'), c.get('principal'), query) }, 200);
};

export const toolCallNames: RouteHandler<typeof routes.toolCallNames, AppEnv> = async (c) => {
  return c.json(await core.toolCallNames(c.get('db'), c.get('principal')), 200);
};

export const getChat: RouteHandler<typeof routes.getChat, AppEnv> = async (c) => {
  const { chat_id } = c.req.valid('param');
  return c.json(toWorkspaceChat(await core.getWorkspaceChat(c.get('db'), c.get('principal'), chat_id)), 200);
};

/**
 * `If-Match` as the core's precondition: the chat as it is (locked) must still have the ETag the client
 * read, which is the GET's (a weak tag over the same JSON). `*` matches any chat that exists.
 */
function ifMatch(header: string | undefined) {
  if (header === undefined) return undefined;
  return (current: WorkspaceChatRecord) => header.trim() === '*' || noneMatch(header, etagOf(JSON.stringify(toWorkspaceChat(current))));
}

/** The changed chat, with the ETag its next read will have. */
function changed(c: Context<AppEnv>, chat: WorkspaceChatRecord) {
  const body = toWorkspaceChat(chat);
  c.header('ETag', etagOf(JSON.stringify(body)));
  return body;
}

export const replaceChat: RouteHandler<typeof routes.replaceChat, AppEnv> = async (c) => {
  const { chat_id } = c.req.valid('param');
  const chat = await core.updateWorkspaceChat(c.get('db'), c.get('principal'), chat_id, c.req.valid('json'), { precondition: ifMatch(c.req.valid('header')['if-match']) });
  return c.json(changed(c, chat), 200);
};

export const updateChat: RouteHandler<typeof routes.updateChat, AppEnv> = async (c) => {
  const { chat_id } = c.req.valid('param');
  const chat = await core.updateWorkspaceChat(c.get('db'), c.get('principal'), chat_id, c.req.valid('json'), { precondition: ifMatch(c.req.valid('header')['if-match']) });
  return c.json(changed(c, chat), 200);
};
