import '@hono/zod-openapi'; // first: it gives zod's schemas .openapi()
import * as z from 'zod';
import {
  ASSISTANT_LANGUAGES,
  CHAT_STATES,
  CHAT_STATUSES,
  CHAT_VISIBILITIES,
  INBOX_FILTERS,
  INTEGRATIONS,
  KNOWLEDGE_SCOPES,
  REASONING_EFFORTS,
  THREAD_MODES,
  TOOL_ICONS,
} from '@parley/core';
import { MESSAGE_ROLES } from '@parley/db';
import { CursorParam, PageNumber, PageSize, Uuid } from '../../shared/params.js';
import { DateTime } from '../../shared/wire.js';

// Seed 002's names, enums and nesting, snake_case throughout.

const Integration = z.enum(INTEGRATIONS).openapi('OrgChatIntegration', {
  description:
    'ID of the connection integration. Parley maps its channel types onto it: widget and internal -> internal; whatsapp and waha -> ' +
    'whatsapp_bot; instagram -> instagram_dm; slack -> slack_bot; telegram -> telegram_bot; gmail -> gmail; google_calendar -> ' +
    'google_calendar; api, sms, email, voice, custom and chats without a channel -> custom.',
});
const ChatStatus = z.enum(CHAT_STATUSES).openapi('OrgChatStatus', { description: 'The chat status.' });
const Role = z.enum(['ADMIN', 'MEMBER']).openapi({ description: 'The role of the member in the chat: ADMIN for the chat owner and admin participants.' });
const MessageRole = z.enum(MESSAGE_ROLES).openapi({ description: 'The role of the message.' });

export const OrgChatParams = z.strictObject({
  org_id: Uuid.openapi({ param: { name: 'org_id', in: 'path' }, description: 'The ID of the org (the workspace of the API key).' }),
});

export const OrgChatIdParams = z.strictObject({
  org_id: Uuid.openapi({ param: { name: 'org_id', in: 'path' }, description: 'The ID of the org (the workspace of the API key).' }),
  chat_id: Uuid.openapi({ param: { name: 'chat_id', in: 'path' }, description: 'The ID of the chat.' }),
});

const withAll = <T extends readonly string[]>(values: T, description: string) =>
  z.enum(['ALL', ...values] as unknown as readonly ['ALL', ...T]).default('ALL').openapi({ description, default: 'ALL' });

export const ListOrgChatsQuery = z.strictObject({
  search: z
    .string()
    .trim()
    .max(256, 'must be at most 256 characters')
    .optional()
    .transform((s) => (s ? s : undefined))
    .openapi({ description: 'Search term to filter chats: case-insensitive text in the title or any message.', maxLength: 256 }),
  integration_id: Integration.optional().openapi({ description: 'Only chats on this integration (channel type).' }),
  status: withAll(CHAT_STATUSES, 'Only chats with this status.'),
  state: withAll(CHAT_STATES, 'Only chats in this state.'),
  ai: z.enum(['ALL', 'ENABLED', 'DISABLED']).default('ALL').openapi({ description: 'Only chats with AI enabled, or disabled.', default: 'ALL' }),
  filter: z.enum(INBOX_FILTERS).default('ALL').openapi({
    description:
      "The inbox, relative to the API key's member: UNREAD has messages by others after the member's read marker; UNRESOLVED is OPEN " +
      'or SNOOZED, RESOLVED is CLOSED; ASSIGNED_TO_ME and UNASSIGNED by the assigned user.',
    default: 'ALL',
  }),
  page: PageNumber.openapi({ description: 'Page number.' }),
  take: PageSize.openapi({ description: 'Number of items to take.' }),
  next_page_token: CursorParam(512).openapi({ description: 'Next page token, from the `X-Next-Page-Token` header of the previous page; takes precedence over `page`. Use it for deep pages.' }),
});

const User = z.object({ id: z.string(), name: z.string(), avatar: z.string().nullable() }).openapi('OrgChatUser');

const ContactChannel = z
  .object({
    id: Uuid.nullable().openapi({ description: 'The org channel the contact reached the chat through.' }),
    channel_type: Integration,
    channel_id: z.string().nullable().openapi({ description: 'The unique identifier for the contact channel, e.g Phone Number' }),
    channel_name: z.string().nullable().openapi({ description: 'The display name for the contact channel, e.g X Handle' }),
    channel_display_name: z.string().nullable().openapi({ description: 'The display name for the contact channel, e.g X Display Name' }),
    channel_avatar: z.string().nullable().openapi({ description: 'The avatar for the contact channel, e.g X Avatar URL' }),
    country: z.string().nullable().openapi({ description: 'The country code associated with the contact channel, e.g US for United States' }),
    agent: z.string().nullable().openapi({ description: 'The user agent associated with the contact channel' }),
    ip: z.string().nullable().openapi({ description: 'The IP address associated with the contact channel' }),
    language: z.string().nullable().openapi({ description: 'The language code associated with the contact channel, e.g en for English' }),
    contact: z.object({ id: z.string(), name: z.string(), blocked: z.boolean() }),
    link: z.string().nullable().openapi({ description: 'A link to the contact channel, e.g a link to the social media profile' }),
  })
  .openapi('OrgChatContactChannel', { description: 'Schema for the public contact channel' });

const Member = z
  .object({
    id: z.string().openapi({ description: "The member's identity id." }),
    role: Role,
    user: User.nullable().openapi({ description: 'The workspace user or assistant; null for a contact (an end user is no user of the org: see `contact_channel`).' }),
    session: z.object({ id: z.string() }).nullable().openapi({ description: "The member's session (e.g. a widget session); null when none was recorded." }),
    contact_channel: ContactChannel.nullable().openapi({
      description: 'For a contact: how they reach the org. Null for workspace users and assistants, who reach the org through no contact channel.',
    }),
  })
  .openapi('OrgChatMember');

const Tool = z
  .object({
    name: z.string().max(256).openapi({ description: 'Name of the tool to called, can be a step key or custom tool' }),
    display_name: z.string().nullable().openapi({ description: 'Display name of the tool, can be used in UI' }),
    action_name: z.string().nullable().openapi({ description: 'The original name of the action this tool is based on, used for connection-based tools' }),
    description: z.string().nullable().openapi({ description: 'Description of the tool' }),
    icon: z.enum(TOOL_ICONS).nullable().openapi({ description: 'The name of the icon to use in the UI' }),
    icon_url: z.string().nullable().openapi({ description: 'URL of the icon to use in the UI' }),
    connection_id: z.string().nullable().openapi({ description: 'Connection ID for the tool, used for connection-based tools' }),
    parameters: z.record(z.string(), z.unknown()).openapi({ description: 'Parameters for the tool call using an input schema definition' }),
    enabled_by_default: z.boolean().nullable().openapi({ description: 'Whether the tool is enabled by default in the workflow' }),
    callback: z.string().nullable(),
  })
  .openapi('OrgChatTool');

const Features = z
  .object({
    web_search: z.record(z.string(), z.unknown()).optional().openapi({ description: 'Search the web to provide better responses.' }),
    reasoning: z.object({ effort: z.enum(REASONING_EFFORTS).nullable() }).optional(),
  })
  .openapi('OrgChatFeatures', { description: 'Enabled features for the model' });

const AssistantConfig = z
  .object({
    language: z.enum(ASSISTANT_LANGUAGES).nullable().openapi({ description: 'List of supported languages for the model in ISO 639-1 format or "auto"' }),
    model: z.string().nullable().openapi({ description: 'The model to use for the assistant' }),
    stt: z.object({ model: z.string().nullable() }).openapi({ description: "Speech to text; always present, `model` null when the assistant's version sets none." }),
    tts: z
      .object({ model: z.string().nullable(), voice_id: z.string().nullable() })
      .openapi({ description: "Text to speech; always present, its fields null when the assistant's version sets none." }),
    conversation: z
      .object({
        thread_mode: z.enum(THREAD_MODES).nullable(),
        enable_memories: z.boolean().nullable(),
        enable_end_conversation_tool: z.boolean().nullable(),
        enable_transfer_to_human_tool: z.boolean().nullable(),
        welcome_banner: z.string().nullable(),
        suggested_messages: z.array(z.string()),
        auto_intro_message: z.string().nullable(),
        enable_private_chats: z.boolean().nullable(),
      })
      .openapi({ description: 'Configuration options for the conversation thread of the assistant; always present, its fields null where the version leaves them unset.' }),
    knowledge_scope: z.enum(KNOWLEDGE_SCOPES).nullable(),
    instructions: z.string().nullable(),
  })
  .openapi('OrgChatAssistantConfig', { description: 'Schema for the configuration of an assistant' });

const State = z
  .object({
    id: z.string().openapi({ description: "The state's id (the chat's: one state per chat)." }),
    state: z.enum(CHAT_STATES).openapi({ description: 'The state status of the chat' }),
    integration_id: Integration,
    assistant_id: z.string().nullable().openapi({ description: 'The ID of the assistant used in the chat' }),
    assistant_integration_id: z.string().nullable().openapi({ description: 'The ID of the assistant integration (the channel it answers on) used in the chat' }),
    conversation_id: z.string().nullable().openapi({ description: 'The ID of the conversation associated with the chat' }),
    ai_enabled: z.boolean().openapi({ description: 'Whether AI is enabled for the chat' }),
    admin_unseen_count: z.number().int().openapi({ description: "The number of messages by others after the API key's member last read the chat." }),
    user_unseen_count: z.number().int().openapi({ description: "The number of messages by others after the chat's user (its owner) last read it." }),
    assistant_integration: z
      .object({ id: z.string(), enabled: z.boolean() })
      .nullable()
      .openapi({ description: 'The channel the assistant answers on; null for a chat on no channel (created through the API without one).' }),
    assigned_user: z
      .object({ id: z.string(), name: z.string(), email: z.string().nullable(), avatar: z.string().nullable(), seen_at: DateTime.nullable() })
      .nullable()
      .openapi({ description: 'The member the chat is assigned to; null while it is unassigned.' }),
    assigned_at: DateTime.nullable().openapi({ description: 'When it was assigned; null while unassigned.' }),
    assistant_config: AssistantConfig.nullable().openapi({
      description:
        "The configuration of the assistant's version answering the chat. Null only while no assistant answers it: a chat answered by a squad before one of its assistants has taken it.",
    }),
  })
  .openapi('OrgChatState', { description: 'Schema for the chat state' });

const FileInfo = z
  .object({
    id: z.string().nullable().openapi({ description: 'Unique identifier for the file' }),
    file_path: z.string().nullable().openapi({ description: 'Path to the file in the storage system' }),
    file_filename: z.string().nullable().openapi({ description: 'Name of the file', example: 'document.pdf' }),
    file_size: z.number().nullable().openapi({ description: 'Size of the file in bytes', example: 1024 }),
    file_mimetype: z.string().nullable().openapi({ description: 'MIME type of the file', example: 'application/pdf' }),
    file_url: z.string().nullable().openapi({ description: 'URL to access the file' }),
    created_at: z.string().nullable().openapi({ description: 'Timestamp when the file was created' }),
  })
  .openapi('OrgChatFile', { description: 'Detailed information about a file' });

const Part = z
  .object({
    type: z.string().openapi({ description: 'text, audio or file', example: 'text' }),
    text: z.string().optional(),
    audio: FileInfo.optional(),
    start_timestamp: z.number().optional().openapi({ description: 'Timestamp when the message part started processing, in milliseconds' }),
    end_timestamp: z.number().optional().openapi({ description: 'Timestamp when the message part finished processing, in milliseconds' }),
  })
  .openapi('OrgChatMessagePart');

const LastMessage = z
  .object({
    id: z.string(),
    role: MessageRole,
    model: z.string().nullable().openapi({ description: 'The model used for the message' }),
    status: ChatStatus,
    created_at: DateTime,
    updated_at: DateTime,
    messages: z.array(z.object({ role: MessageRole, parts: z.array(Part) })).openapi({ description: 'The message content' }),
    tools: z.array(Tool).openapi({ description: 'The tools used in the message' }),
    features: Features,
    member: Member.nullable().openapi({ description: 'The member of the chat who wrote the message; null for messages without an author (tool results, system events).' }),
    error: z.string().nullable().openapi({ description: 'Error message if the message failed' }),
    usage: z
      .object({
        input_tokens: z.number().int().openapi({ description: 'Number of input tokens used by the model' }),
        output_tokens: z.number().int().openapi({ description: 'Number of output tokens generated by the model' }),
        total_tokens: z.number().int().openapi({ description: 'Total number of tokens used by the model: input plus output' }),
        reasoning_tokens: z.number().int().openapi({ description: 'Number of reasoning tokens used by the model' }),
        cached_input_tokens: z.number().int().openapi({ description: 'Number of cached input tokens used by the model' }),
      })
      .openapi({ description: 'The usage information for the message; always present, with zero counts for a message no model wrote (a user message) or one recorded without usage.' }),
  })
  .openapi('OrgChatMessage', { description: 'The chat message schema' });

export const OrgChat = z
  .object({
    id: z.string(),
    title: z.string().nullable().openapi({ description: 'The title of the chat' }),
    model: z.string().nullable().openapi({ description: 'The model used for the chat' }),
    members: z.array(Member).openapi({ description: 'The members of the chat: its owner, its assistant, then its participants' }),
    temporary: z.boolean().openapi({ description: 'Whether the chat is temporary and would be deleted after 24 hours of last activity' }),
    visibility: z.enum(CHAT_VISIBILITIES).openapi({ description: 'The visibility of the chat' }),
    pinned: z.boolean().openapi({ description: 'Whether the chat is pinned in the user interface' }),
    status: ChatStatus,
    shared_url: z.string().nullable().openapi({ description: 'The shared URL of the chat, if it is shared' }),
    created_at: DateTime,
    updated_at: DateTime,
    tools: z.array(Tool).openapi({ description: 'The tools available in the chat' }),
    features: Features,
    org_id: z.string(),
    state: State,
    link: z.string().nullable().openapi({ description: 'The link to the chat in the integration' }),
    last_message: LastMessage.nullable().openapi({ description: 'The latest message; null for a chat without messages.' }),
  })
  .openapi('OrgChat');

export const OrgChatList = z.array(OrgChat).openapi('OrgChatList');

export const ChatRead = z
  .object({
    chat_id: z.string(),
    seen_at: DateTime.openapi({ description: "The member's read marker: messages after it are unseen." }),
  })
  .openapi('OrgChatRead');
