import type { RouteHandler } from '@hono/zod-openapi';
import * as core from '@parley/core';
import type { ChatMessageRecord, ChatParticipantRecord, ChatToolRecord } from '@parley/db';
import type { AppEnv } from '../../../shared/env.js';
import { pageBody } from '../../../shared/handlers.js';
import { markReplay } from '../../../shared/idempotency.js';
import { toWorkspaceChat } from '../handlers.js';
import type * as routes from './routes.js';

export function toChatMessage(m: ChatMessageRecord) {
  return {
    id: m.number,
    uuid: m.id,
    role: m.role,
    content: m.content,
    authorId: m.authorId,
    toolCalls: m.toolCalls,
    rating: m.rating,
    deliveryStatus: m.deliveryStatus,
    deliveryError: m.deliveryError,
    timestamp: m.createdAt.toISOString(),
  };
}

function toChatParticipant(p: ChatParticipantRecord) {
  return {
    id: p.id,
    memberId: p.memberId,
    identityId: p.identityId,
    name: p.name,
    email: p.email,
    role: p.role,
    addedAt: p.createdAt.toISOString(),
    lastSeenAt: p.lastSeenAt ? p.lastSeenAt.toISOString() : null,
  };
}

function toChatTool(t: ChatToolRecord) {
  return { id: t.id, name: t.name, description: t.description, inputSchema: t.inputSchema, callbackUrl: t.callbackUrl, timeoutMs: t.timeoutMs };
}


export const addParticipant: RouteHandler<typeof routes.addParticipant, AppEnv> = async (c) => {
  const { chat_id } = c.req.valid('param');
  const { value, replayed } = await core.addParticipant(c.get('db'), c.get('principal'), chat_id, c.req.valid('json'), c.req.valid('header')['idempotency-key']);
  markReplay(c, replayed);
  const { participantId } = value;
  return c.json({ success: true as const, message: 'Participant added', participantId }, 200);
};

export const listParticipants: RouteHandler<typeof routes.listParticipants, AppEnv> = async (c) => {
  const { chat_id } = c.req.valid('param');
  const participants = await core.listChatParticipants(c.get('db'), c.get('principal'), chat_id);
  return c.json({ participants: participants.map(toChatParticipant) }, 200);
};

export const removeParticipant: RouteHandler<typeof routes.removeParticipant, AppEnv> = async (c) => {
  const { chat_id, participant_id } = c.req.valid('param');
  await core.removeChatParticipant(c.get('db'), c.get('principal'), chat_id, participant_id);
  return c.json({ success: true as const, message: 'Participant removed', participantId: participant_id }, 200);
};

export const sendAssistantMessage: RouteHandler<typeof routes.sendAssistantMessage, AppEnv> = async (c) => {
  const { chat_id } = c.req.valid('param');
  const body = c.req.valid('json');
  const { value, replayed } = await core.sendAssistantMessage(
    c.get('db'),
    c.get('providers'),
    c.get('principal'),
    chat_id,
    { message: body.message, toolCalls: body.tool_calls },
    c.req.valid('header')['idempotency-key'],
  );
  markReplay(c, replayed);
  return c.json({ success: true as const, message: toChatMessage(value.message), toolResults: value.toolResults.map(toChatMessage), delivery: value.delivery }, 200);
};

export const summarize: RouteHandler<typeof routes.summarize, AppEnv> = async (c) => {
  const { chat_id } = c.req.valid('param');
  const { update_labels } = c.req.valid('query');
  const { value, replayed } = await core.summarizeChat(
    c.get('db'),
    c.get('providers'),
    c.get('principal'),
    chat_id,
    { updateLabels: update_labels ?? false },
    c.req.valid('header')['idempotency-key'],
  );
  markReplay(c, replayed);
  return c.json(toWorkspaceChat(value), 200);
};

export const listMessages: RouteHandler<typeof routes.listMessages, AppEnv> = async (c) => {
  const { chat_id } = c.req.valid('param');
  const page = await core.chatMessageHistory(c.get('db'), c.get('principal'), chat_id, c.req.valid('query'));
  return c.json(pageBody('messages', page, toChatMessage), 200);
};

export const recordMessage: RouteHandler<typeof routes.recordMessage, AppEnv> = async (c) => {
  const { chat_id } = c.req.valid('param');
  const { value, replayed } = await core.recordChatMessage(c.get('db'), c.get('principal'), chat_id, c.req.valid('json'), c.req.valid('header')['idempotency-key']);
  markReplay(c, replayed);
  return c.json(toChatMessage(value), 201);
};

export const rateMessage: RouteHandler<typeof routes.rateMessage, AppEnv> = async (c) => {
  const { chat_id, uuid } = c.req.valid('param');
  const message = await core.rateChatMessage(c.get('db'), c.get('principal'), chat_id, uuid, c.req.valid('json').rating);
  return c.json(toChatMessage(message), 200);
};

export const listTools: RouteHandler<typeof routes.listTools, AppEnv> = async (c) => {
  const { chat_id } = c.req.valid('param');
  const tools = await core.chatTools(c.get('db'), c.get('principal'), chat_id);
  return c.json({ tools: tools.map(toChatTool) }, 200);
};
