import type { RouteHandler } from '@hono/zod-openapi';
import * as core from '@parley/core';
import type { ChatDetailsRecord, ChatRecord } from '@parley/db';
import type { Context } from 'hono';
import type { AppEnv } from '../../shared/env.js';
import { markReplay } from '../../shared/idempotency.js';
import type { z } from '@hono/zod-openapi';
import type * as routes from './routes.js';
import type * as schemas from './schemas.js';
import { iso, type matches, toWire } from '../../shared/wire.js';

function toChat(chat: ChatRecord) {
  return {
    createdAt: chat.createdAt.toISOString(),
    id: chat.id,
    isRemoved: chat.isRemoved,
    updatedAt: chat.updatedAt.toISOString(),
    channelId: chat.channelId,
    currentResponderId: chat.currentResponderId,
    lastChatMessageCreatedAt: iso(chat.lastMessageAt),
    ownerId: chat.ownerId,
    responderId: chat.responderId,
    title: chat.title,
    workspaceId: chat.workspaceId,
  };
}

const toChatDetails = (d: ChatDetailsRecord) => toWire(d);

// The schemas describe exactly these: a field the records gain and the schemas lack fails the typecheck.
const _chat: matches<z.infer<typeof schemas.Chat>, ReturnType<typeof toChat>> = true;
const _details: matches<z.infer<typeof schemas.ChatDetails>, ReturnType<typeof toChatDetails>> = true;

/** `Link` and `X-Has-More` for page-number pagination. */
function setPagingHeaders(c: Context, hasMore: boolean, pageNumber: number) {
  c.header('X-Has-More', String(hasMore));
  if (hasMore) {
    const next = new URL(c.req.url);
    next.searchParams.set('pageNumber', String(pageNumber + 1));
    c.header('Link', `<${next.pathname}${next.search}>; rel="next"`);
  }
}

export const listChats: RouteHandler<typeof routes.listChats, AppEnv> = async (c) => {
  const query = c.req.valid('query');
  const page = await core.listChats(c.get('db'), c.get('principal'), query);
  setPagingHeaders(c, page.hasMore, query.pageNumber);
  return c.json(page.items.map(toChat), 200);
};

export const listChatDetails: RouteHandler<typeof routes.listChatDetails, AppEnv> = async (c) => {
  const query = c.req.valid('query');
  const page = await core.listChatDetails(c.get('db'), c.get('principal'), query);
  setPagingHeaders(c, page.hasMore, query.pageNumber);
  return c.json(page.items.map(toChatDetails), 200);
};

export const getChatDetails: RouteHandler<typeof routes.getChatDetails, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const { responderVersionId } = c.req.valid('query');
  return c.json(toChatDetails(await core.getChatDetails(c.get('db'), c.get('principal'), id, responderVersionId)), 200);
};

export const createChat: RouteHandler<typeof routes.createChat, AppEnv> = async (c) => {
  const body = c.req.valid('json');
  const { value, replayed } = await core.createChat(c.get('db'), c.get('principal'), body, c.req.valid('header')['idempotency-key']);
  markReplay(c, replayed);
  return c.json(toChat(value), 200);
};

export const getChat: RouteHandler<typeof routes.getChat, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  return c.json(toChat(await core.getChat(c.get('db'), c.get('principal'), id)), 200);
};

export const updateChat: RouteHandler<typeof routes.updateChat, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const body = c.req.valid('json');
  return c.json(toChat(await core.updateChat(c.get('db'), c.get('principal'), id, body)), 200);
};

export const removeChat: RouteHandler<typeof routes.removeChat, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  return c.json(await core.removeChat(c.get('db'), c.get('principal'), id), 200);
};
