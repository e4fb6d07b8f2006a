import type { RouteHandler } from '@hono/zod-openapi';
import * as core from '@parley/core';
import type { AssistantConfig, MessagePart, ModelFeatures, OrgChat, OrgChatMember, OrgChatMessage, OrgChatPage, Tool } from '@parley/core';
import type { Context } from 'hono';
import type { AppEnv } from '../../shared/env.js';
import type * as routes from './routes.js';
import { iso } from '../../shared/wire.js';

// Domain -> the org-chats wire format (snake_case; tag Org chats of /openapi.json).

function toMember(m: OrgChatMember) {
  const c = m.contactChannel;
  return {
    id: m.id,
    role: m.role,
    user: m.user,
    session: m.session,
    contact_channel: c && {
      id: c.id,
      channel_type: c.channelType,
      channel_id: c.channelId,
      channel_name: c.channelName,
      channel_display_name: c.channelDisplayName,
      channel_avatar: c.channelAvatar,
      country: c.country,
      agent: c.agent,
      ip: c.ip,
      language: c.language,
      contact: c.contact,
      link: c.link,
    },
  };
}

function toTool(t: Tool) {
  return {
    name: t.name,
    display_name: t.displayName,
    action_name: t.actionName,
    description: t.description,
    icon: t.icon,
    icon_url: t.iconUrl,
    connection_id: t.connectionId,
    parameters: t.parameters,
    enabled_by_default: t.enabledByDefault,
    callback: t.callback,
  };
}

/** Only the features that are on. */
function toFeatures(f: ModelFeatures) {
  return { ...(f.webSearch && { web_search: f.webSearch }), ...(f.reasoning && { reasoning: f.reasoning }) };
}

function toAssistantConfig(a: AssistantConfig | null) {
  if (!a) return null;
  const c = a.conversation;
  return {
    language: a.language,
    model: a.model,
    stt: a.stt,
    tts: { model: a.tts.model, voice_id: a.tts.voiceId },
    conversation: {
      thread_mode: c.threadMode,
      enable_memories: c.enableMemories,
      enable_end_conversation_tool: c.enableEndConversationTool,
      enable_transfer_to_human_tool: c.enableTransferToHumanTool,
      welcome_banner: c.welcomeBanner,
      suggested_messages: c.suggestedMessages,
      auto_intro_message: c.autoIntroMessage,
      enable_private_chats: c.enablePrivateChats,
    },
    knowledge_scope: a.knowledgeScope,
    instructions: a.instructions,
  };
}

/** A part carries only what it has: text for text parts, the file for audio and file parts. */
function toPart(p: MessagePart) {
  const f = p.audio;
  return {
    type: p.type,
    ...(p.text !== null && { text: p.text }),
    ...(f && {
      audio: {
        id: f.id,
        file_path: f.filePath,
        file_filename: f.fileFilename,
        file_size: f.fileSize,
        file_mimetype: f.fileMimetype,
        file_url: f.fileUrl,
        created_at: f.createdAt,
      },
    }),
    ...(p.startTimestamp !== null && { start_timestamp: p.startTimestamp }),
    ...(p.endTimestamp !== null && { end_timestamp: p.endTimestamp }),
  };
}

function toLastMessage(m: OrgChatMessage | null) {
  if (!m) return null;
  const u = m.usage;
  return {
    id: m.id,
    role: m.role,
    model: m.model,
    status: m.status,
    created_at: m.createdAt.toISOString(),
    updated_at: m.updatedAt.toISOString(),
    messages: m.messages.map((x) => ({ role: x.role, parts: x.parts.map(toPart) })),
    tools: m.tools.map(toTool),
    features: toFeatures(m.features),
    member: m.member && toMember(m.member),
    error: m.error,
    usage: {
      input_tokens: u.inputTokens,
      output_tokens: u.outputTokens,
      total_tokens: u.totalTokens,
      reasoning_tokens: u.reasoningTokens,
      cached_input_tokens: u.cachedInputTokens,
    },
  };
}

function toOrgChat(chat: OrgChat) {
  const s = chat.state;
  return {
    id: chat.id,
    title: chat.title,
    model: chat.model,
    members: chat.members.map(toMember),
    temporary: chat.temporary,
    visibility: chat.visibility,
    pinned: chat.pinned,
    status: chat.status,
    shared_url: chat.sharedUrl,
    created_at: chat.createdAt.toISOString(),
    updated_at: chat.updatedAt.toISOString(),
    tools: chat.tools.map(toTool),
    features: toFeatures(chat.features),
    org_id: chat.orgId,
    state: {
      id: s.id,
      state: s.state,
      integration_id: s.integrationId,
      assistant_id: s.assistantId,
      assistant_integration_id: s.assistantIntegrationId,
      conversation_id: s.conversationId,
      ai_enabled: s.aiEnabled,
      admin_unseen_count: s.adminUnseenCount,
      user_unseen_count: s.userUnseenCount,
      assistant_integration: s.assistantIntegration,
      assigned_user: s.assignedUser && {
        id: s.assignedUser.id,
        name: s.assignedUser.name,
        email: s.assignedUser.email,
        avatar: s.assignedUser.avatar,
        seen_at: iso(s.assignedUser.seenAt),
      },
      assigned_at: iso(s.assignedAt),
      assistant_config: toAssistantConfig(s.assistantConfig),
    },
    link: chat.link,
    last_message: toLastMessage(chat.lastMessage),
  };
}

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
  const q = c.req.valid('query');
  const page = await core.listOrgChats(c.get('db'), c.get('principal'), org_id, {
    search: q.search,
    integrationId: q.integration_id,
    status: q.status,
    state: q.state,
    ai: q.ai,
    filter: q.filter,
    page: q.page,
    take: q.take,
    nextPageToken: q.next_page_token,
  });
  setPagingHeaders(c, page);
  return c.json(page.items.map(toOrgChat), 200);
};

export const markOrgChatRead: RouteHandler<typeof routes.markOrgChatRead, AppEnv> = async (c) => {
  const { org_id, chat_id } = c.req.valid('param');
  const read = await core.markOrgChatRead(c.get('db'), c.get('principal'), org_id, chat_id);
  return c.json({ chat_id: read.chatId, seen_at: read.seenAt.toISOString() }, 200);
};
