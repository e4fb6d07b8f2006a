import {
  type ChannelType,
  type ChatState,
  type ChatStatus,
  type ChatVisibility,
  type Executor,
  listOrgChatRecords,
  markOrgChatSeen,
  type MessageRole,
  type OrgChatCursor,
  type OrgChatFilter,
  type OrgChatIdentity,
  type OrgChatRecord,
} from '@parley/db';
import type { Principal } from '../auth.js';
import { AppError } from '../errors.js';
import { cursorCodec, isTimestampText } from '../cursors.js';
import { pageWindow } from '../paging.js';
import { chatReach, requireOwnWorkspace } from '../policy.js';
import { isUuid } from '../input.js';

// The org chats inbox (tag Org chats of /openapi.json). An org is a workspace: only the key's own org answers, any other
// id is a 404. The inbox holds the chats within the caller's reach (policy.ts), as every group does;
// a chat's `visibility` is an attribute it shows, never a way in. Unread state and
// `admin_unseen_count` are the calling member's own.

/** The org-chats channel vocabulary ("ID of the connection integration"). */
export const INTEGRATIONS = ['internal', 'custom', 'whatsapp_bot', 'instagram_dm', 'slack_bot', 'telegram_bot', 'gmail', 'google_calendar'] as const;
export type Integration = (typeof INTEGRATIONS)[number];

/**
 * Canonical channel type -> the org-chats integration. The web widget is the org's own (internal)
 * channel; both WhatsApp providers are the WhatsApp bot; channels the org-chats contract has no name for (API, SMS,
 * generic email, voice) are `custom`, as are chats without a channel (API chats).
 */
export const CHANNEL_INTEGRATION: Record<ChannelType, Integration> = {
  internal: 'internal',
  widget: 'internal',
  whatsapp: 'whatsapp_bot',
  waha: 'whatsapp_bot',
  instagram: 'instagram_dm',
  slack: 'slack_bot',
  telegram: 'telegram_bot',
  gmail: 'gmail',
  google_calendar: 'google_calendar',
  custom: 'custom',
  api: 'custom',
  sms: 'custom',
  email: 'custom',
  voice: 'custom',
};

export function integrationOf(type: ChannelType | null): Integration {
  return type ? CHANNEL_INTEGRATION[type] : 'custom';
}

/** The channel types an integration filter selects; `custom` also selects chats without a channel. */
export function channelTypesOf(integration: Integration): { types: ChannelType[]; includeNoChannel: boolean } {
  const types = (Object.keys(CHANNEL_INTEGRATION) as ChannelType[]).filter((t) => CHANNEL_INTEGRATION[t] === integration);
  return { types, includeNoChannel: integration === 'custom' };
}

export const INBOX_FILTERS = ['ALL', 'UNREAD', 'UNRESOLVED', 'RESOLVED', 'ASSIGNED_TO_ME', 'UNASSIGNED'] as const;
export type InboxFilter = (typeof INBOX_FILTERS)[number];
export const CHAT_STATUSES = ['RUNNING', 'COMPLETED', 'FAILED', 'CANCELED'] as const;
export const CHAT_STATES = ['OPEN', 'SNOOZED', 'CLOSED'] as const;
export const CHAT_VISIBILITIES = ['PRIVATE', 'PUBLIC_READ', 'PUBLIC_WRITE'] as const;

export const TOOL_ICONS = [
  'StepFormIcon', 'StepAiIcon', 'StepNoteIcon', 'StepBranchIcon', 'StepCodeIcon', 'ConnectionIcon', 'ConnectionSchedulerIcon',
  'ConnectionFilesIcon', 'ConnectionHttpIcon', 'ConnectionWorkflowIcon', 'ConnectionMcpIcon', 'CustomIntegrationIcon', 'ToolThinkIcon',
  'ToolWebSearchIcon', 'ToolWebScrapingIcon', 'ToolGenerateImageIcon', 'ToolCalculatorIcon', 'ToolGenerateFileIcon', 'ToolGeneratePdfIcon',
  'ToolDeepResearchIcon', 'ToolSearchKbIcon', 'ToolShowOptionsIcon', 'ToolRequestLocationIcon', 'ToolManageMemoryIcon', 'ClockFadingIcon',
  'CalendarIcon', 'CloudIcon', 'GlobeAltIcon', 'LockClosedIcon', 'FileSpreadsheetIcon', 'DatabaseIcon', 'TableIcon', 'TableRowIcon',
  'TableRowAddIcon', 'TableRowEditIcon', 'TableRowDeleteIcon', 'TableRowsIcon', 'PageIcon', 'UserIcon', 'EmailIcon', 'PhoneIcon',
  'CurrencyIcon', 'FunctionIcon', 'TableCellsIcon', 'DocumentTextIcon', 'QueueListIcon', 'TagIcon', 'ModelAutoIcon', 'ModelOpenAIIcon',
  'ModelAnthropicIcon', 'ModelGoogleIcon', 'ModelXAIIcon', 'ModelPerplexityIcon', 'ModelGroqIcon', 'ModelAzureIcon', 'ModelElevenLabsIcon',
  'ModelDeepgramIcon',
] as const;
export type ToolIcon = (typeof TOOL_ICONS)[number];
export const REASONING_EFFORTS = ['low', 'medium', 'high'] as const;
export const ASSISTANT_LANGUAGES = ['auto', 'en', 'es'] as const;
export const THREAD_MODES = ['new', 'continue'] as const;
export const KNOWLEDGE_SCOPES = ['all', 'restricted'] as const;

export interface OrgChatsQuery {
  search?: string;
  integrationId?: Integration;
  status: ChatStatus | 'ALL';
  state: ChatState | 'ALL';
  ai: 'ALL' | 'ENABLED' | 'DISABLED';
  filter: InboxFilter;
  page: number;
  take: number;
  /** Continues after the page that returned it; takes precedence over `page`. */
  nextPageToken?: string;
}

// The domain view of one inbox row, the one definition of its shape: the HTTP layer writes it out with
// snake_case keys and ISO instants (toSnakeWire), and its schema is checked against it.

export interface ContactChannel {
  /** The org's channel the contact reached it through (null for chats without a channel). */
  id: string | null;
  channelType: Integration;
  /** The contact on that channel: identifier (e.g. phone number), handle, display name and avatar. */
  channelId: string | null;
  channelName: string | null;
  channelDisplayName: string;
  channelAvatar: string | null;
  country: string | null;
  agent: string | null;
  ip: string | null;
  language: string | null;
  contact: { id: string; name: string; blocked: boolean };
  link: string | null;
}

export interface OrgChatMember {
  /** The actor's identity id. */
  id: string;
  role: 'ADMIN' | 'MEMBER';
  /** Workspace users and assistants; null for contacts. */
  user: { id: string; name: string; avatar: string | null } | null;
  session: { id: string } | null;
  /** Contacts only. */
  contactChannel: ContactChannel | null;
}

export interface Tool {
  name: string;
  displayName: string | null;
  actionName: string | null;
  description: string | null;
  icon: ToolIcon | null;
  iconUrl: string | null;
  connectionId: string | null;
  parameters: Record<string, unknown>;
  enabledByDefault: boolean | null;
  callback: string | null;
}

/** Only the features that are on. */
export interface ModelFeatures {
  webSearch?: Record<string, unknown>;
  reasoning?: { effort: (typeof REASONING_EFFORTS)[number] | null };
}

export interface AssistantConfig {
  language: (typeof ASSISTANT_LANGUAGES)[number] | null;
  model: string | null;
  /** Always an object (as the org-chats contract shows it); its fields are null when the assistant's version sets no speech settings. */
  stt: { model: string | null };
  tts: { model: string | null; voiceId: string | null };
  /** Always an object; null fields (and no suggested messages) where the version leaves them unset. */
  conversation: {
    threadMode: (typeof THREAD_MODES)[number] | null;
    enableMemories: boolean | null;
    enableEndConversationTool: boolean | null;
    enableTransferToHumanTool: boolean | null;
    welcomeBanner: string | null;
    suggestedMessages: string[];
    autoIntroMessage: string | null;
    enablePrivateChats: boolean | null;
  };
  knowledgeScope: (typeof KNOWLEDGE_SCOPES)[number] | null;
  instructions: string | null;
}

export interface MessageFile {
  id: string | null;
  filePath: string | null;
  fileFilename: string | null;
  fileSize: number | null;
  fileMimetype: string | null;
  fileUrl: string | null;
  createdAt: string | null;
}

/** A part carries only what it has: text for text parts, the file for audio and file parts. */
export interface MessagePart {
  type: string;
  text?: string;
  audio?: MessageFile;
  startTimestamp?: number;
  endTimestamp?: number;
}

export interface OrgChatMessage {
  id: string;
  role: MessageRole;
  model: string | null;
  status: ChatStatus;
  createdAt: Date;
  updatedAt: Date;
  messages: Array<{ role: MessageRole; parts: MessagePart[] }>;
  tools: Tool[];
  features: ModelFeatures;
  member: OrgChatMember | null;
  error: string | null;
  /** Token counts; zeros where the message records none (user messages, messages recorded through the API). */
  usage: { inputTokens: number; outputTokens: number; totalTokens: number; reasoningTokens: number; cachedInputTokens: number };
}

export interface OrgChat {
  id: string;
  title: string | null;
  model: string | null;
  members: OrgChatMember[];
  temporary: boolean;
  visibility: ChatVisibility;
  pinned: boolean;
  status: ChatStatus;
  sharedUrl: string | null;
  createdAt: Date;
  updatedAt: Date;
  tools: Tool[];
  features: ModelFeatures;
  orgId: string;
  state: {
    /** The state is one per chat: it shares the chat's id. */
    id: string;
    state: ChatState;
    integrationId: Integration;
    assistantId: string | null;
    /** The assistant's integration is the channel it answers on. */
    assistantIntegrationId: string | null;
    conversationId: string | null;
    aiEnabled: boolean;
    adminUnseenCount: number;
    userUnseenCount: number;
    assistantIntegration: { id: string; enabled: boolean } | null;
    assignedUser: { id: string; name: string; email: string | null; avatar: string | null; seenAt: Date | null } | null;
    assignedAt: Date | null;
    assistantConfig: AssistantConfig | null;
  };
  link: string | null;
  lastMessage: OrgChatMessage | null;
}

export interface OrgChatPage {
  items: OrgChat[];
  hasMore: boolean;
  /** Continues after this page; null on the last page. */
  nextPageToken: string | null;
}

function viewerOf(principal: Principal) {
  return { identityId: principal.memberIdentityId };
}


/** A position: the latest activity in UTC with microseconds, and the chat id. */
const pageToken = cursorCodec('org-chats', [(v: unknown): v is string => isTimestampText(v) && v.endsWith('Z'), isUuid]);

export async function listOrgChats(db: Executor, principal: Principal, orgId: string, query: OrgChatsQuery): Promise<OrgChatPage> {
  requireOwnWorkspace(principal, orgId, 'Org');
  const filter: OrgChatFilter = {
    reach: chatReach(principal),
    viewer: viewerOf(principal),
    search: query.search,
    channels: query.integrationId ? channelTypesOf(query.integrationId) : undefined,
    status: query.status === 'ALL' ? undefined : query.status,
    state: query.state === 'ALL' ? undefined : query.state,
    aiEnabled: query.ai === 'ALL' ? undefined : query.ai === 'ENABLED',
  };
  switch (query.filter) {
    case 'UNREAD':
      filter.unreadByViewer = true;
      break;
    case 'UNRESOLVED':
      filter.resolved = false;
      break;
    case 'RESOLVED':
      filter.resolved = true;
      break;
    case 'ASSIGNED_TO_ME':
      filter.assignedMemberId = principal.memberId;
      break;
    case 'UNASSIGNED':
      filter.assignedMemberId = null;
      break;
  }
  const position = query.nextPageToken ? pageToken.decode(principal.workspaceSecret, query.nextPageToken, 'query.next_page_token') : undefined;
  const after: OrgChatCursor | undefined = position && { activityAt: position[0], id: position[1] };
  const page = await listOrgChatRecords(db, filter, { ...pageWindow(query.page, query.take), after });
  const last = page.items.at(-1);
  return {
    items: page.items.map(toOrgChat),
    hasMore: page.hasMore,
    nextPageToken: page.hasMore && last ? pageToken.encode(principal.workspaceSecret, [last.cursor.activityAt, last.cursor.id]) : null,
  };
}

/** Marks the chat read for the calling member: it leaves their UNREAD inbox and their unseen count is zero. */
export async function markOrgChatRead(db: Executor, principal: Principal, orgId: string, chatId: string): Promise<{ chatId: string; seenAt: Date }> {
  requireOwnWorkspace(principal, orgId, 'Org');
  const seenAt = await markOrgChatSeen(db, chatReach(principal), viewerOf(principal), chatId);
  if (!seenAt) throw AppError.notFound('Chat');
  return { chatId, seenAt };
}

// Stored JSON (tools, features, assistant configs, message parts) is read tolerantly: known fields of
// the right type are kept, anything else is dropped rather than failing the whole page.

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);
function oneOf<T extends string>(values: readonly T[], v: unknown): T | null {
  return typeof v === 'string' && (values as readonly string[]).includes(v) ? (v as T) : null;
}

export function parseTools(value: unknown): Tool[] {
  if (!Array.isArray(value)) return [];
  return value.filter((t): t is Obj => isObj(t) && typeof t.name === 'string').map((t) => ({
    name: t.name as string,
    displayName: str(t.display_name),
    actionName: str(t.action_name),
    description: str(t.description),
    icon: oneOf(TOOL_ICONS, t.icon),
    iconUrl: str(t.icon_url),
    connectionId: str(t.connection_id),
    parameters: isObj(t.parameters) ? t.parameters : {},
    enabledByDefault: bool(t.enabled_by_default),
    callback: str(t.callback),
  }));
}

export function parseFeatures(value: unknown): ModelFeatures {
  const f = isObj(value) ? value : {};
  return {
    ...(isObj(f.web_search) && { webSearch: f.web_search }),
    ...(isObj(f.reasoning) && { reasoning: { effort: oneOf(REASONING_EFFORTS, f.reasoning.effort) } }),
  };
}

export function parseAssistantConfig(value: unknown): AssistantConfig | null {
  if (!isObj(value)) return null;
  // The nested objects are always there, as the org-chats contract shows them; what the version leaves unset is null inside.
  const c: Obj = isObj(value.conversation) ? value.conversation : {};
  const stt: Obj = isObj(value.stt) ? value.stt : {};
  const tts: Obj = isObj(value.tts) ? value.tts : {};
  return {
    language: oneOf(ASSISTANT_LANGUAGES, value.language),
    model: str(value.model),
    stt: { model: str(stt.model) },
    tts: { model: str(tts.model), voiceId: str(tts.voice_id) },
    conversation: {
      threadMode: oneOf(THREAD_MODES, c.thread_mode),
      enableMemories: bool(c.enable_memories),
      enableEndConversationTool: bool(c.enable_end_conversation_tool),
      enableTransferToHumanTool: bool(c.enable_transfer_to_human_tool),
      welcomeBanner: str(c.welcome_banner),
      suggestedMessages: Array.isArray(c.suggested_messages) ? c.suggested_messages.filter((m): m is string => typeof m === 'string') : [],
      autoIntroMessage: str(c.auto_intro_message),
      enablePrivateChats: bool(c.enable_private_chats),
    },
    knowledgeScope: oneOf(KNOWLEDGE_SCOPES, value.knowledge_scope),
    instructions: str(value.instructions),
  };
}

export function parseParts(value: unknown): MessagePart[] {
  if (!Array.isArray(value)) return [];
  return value.filter((p): p is Obj => isObj(p) && typeof p.type === 'string').map((p) => {
    const file = isObj(p.audio) ? p.audio : isObj(p.file) ? p.file : undefined;
    const text = str(p.text);
    const start = num(p.start_timestamp);
    const end = num(p.end_timestamp);
    return {
      type: p.type as string,
      ...(text !== null && { text }),
      ...(file && {
        audio: {
          id: str(file.id),
          filePath: str(file.file_path),
          fileFilename: str(file.file_filename),
          fileSize: num(file.file_size),
          fileMimetype: str(file.file_mimetype),
          fileUrl: str(file.file_url),
          createdAt: str(file.created_at),
        },
      }),
      ...(start !== null && { startTimestamp: start }),
      ...(end !== null && { endTimestamp: end }),
    };
  });
}

function userOf(i: OrgChatIdentity) {
  return { id: i.identityId, name: i.name, avatar: i.avatarUrl };
}

/** The chat's owner, its assistant and its participants, each actor once, in that order. */
function membersOf(r: OrgChatRecord): OrgChatMember[] {
  const members: OrgChatMember[] = [];
  const contact = r.owner.contact;
  members.push({
    id: r.owner.identityId,
    // The owner started the chat and administers it.
    role: 'ADMIN',
    user: contact ? null : userOf(r.owner),
    session: r.owner.sessionId ? { id: r.owner.sessionId } : null,
    contactChannel: contact
      ? {
          id: r.channel?.id ?? null,
          channelType: integrationOf(r.channel?.type ?? null),
          channelId: contact.identifier,
          channelName: contact.handle,
          channelDisplayName: r.owner.name,
          channelAvatar: r.owner.avatarUrl,
          country: contact.country,
          agent: contact.userAgent,
          ip: contact.ip,
          language: contact.language,
          contact: { id: r.owner.identityId, name: r.owner.name, blocked: contact.isBlocked },
          link: contact.link,
        }
      : null,
  });
  if (r.assistant && r.assistant.identityId !== r.owner.identityId) {
    members.push({ id: r.assistant.identityId, role: 'MEMBER', user: userOf(r.assistant), session: null, contactChannel: null });
  }
  for (const p of r.participants) {
    if (members.some((m) => m.id === p.identityId)) continue;
    members.push({
      id: p.identityId,
      role: p.role === 'owner' || p.role === 'admin' ? 'ADMIN' : 'MEMBER',
      user: userOf(p),
      session: p.sessionId ? { id: p.sessionId } : null,
      contactChannel: null,
    });
  }
  return members;
}

function toOrgChat(r: OrgChatRecord): OrgChat {
  const members = membersOf(r);
  const m = r.lastMessage;
  const author = m?.author;
  return {
    id: r.id,
    title: r.title,
    model: r.model,
    members,
    temporary: r.isTemporary,
    visibility: r.visibility,
    pinned: r.isPinned,
    status: r.status,
    sharedUrl: r.sharedUrl,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    tools: parseTools(r.tools),
    features: parseFeatures(r.features),
    orgId: r.workspaceId,
    state: {
      id: r.id,
      state: r.state,
      integrationId: integrationOf(r.channel?.type ?? null),
      assistantId: r.assistant?.identityId ?? null,
      assistantIntegrationId: r.channel?.id ?? null,
      conversationId: r.conversationId,
      aiEnabled: r.aiEnabled,
      adminUnseenCount: r.viewerUnseenCount,
      userUnseenCount: r.ownerUnseenCount,
      assistantIntegration: r.channel ? { id: r.channel.id, enabled: r.channel.isEnabled } : null,
      assignedUser: r.assignee
        ? { id: r.assignee.identityId, name: r.assignee.name, email: r.assignee.email, avatar: r.assignee.avatarUrl, seenAt: r.assignee.seenAt }
        : null,
      assignedAt: r.assignedAt,
      assistantConfig: r.assistant ? parseAssistantConfig(r.assistant.config) : null,
    },
    link: r.link,
    lastMessage: m
      ? {
          id: m.id,
          role: m.role,
          model: m.model,
          status: m.status,
          createdAt: m.createdAt,
          updatedAt: m.updatedAt,
          messages: [{ role: m.role, parts: parseParts(m.parts) }],
          tools: parseTools(m.tools),
          features: parseFeatures(m.features),
          member: author
            ? (members.find((x) => x.id === author.identityId) ?? { id: author.identityId, role: 'MEMBER', user: userOf(author), session: null, contactChannel: null })
            : null,
          error: m.error,
          // Always the object, as the org-chats contract shows it: a message without usage (a user's) used no tokens.
          usage: {
            inputTokens: m.inputTokens ?? 0,
            outputTokens: m.outputTokens ?? 0,
            totalTokens: (m.inputTokens ?? 0) + (m.outputTokens ?? 0),
            reasoningTokens: m.reasoningTokens ?? 0,
            cachedInputTokens: m.cachedInputTokens ?? 0,
          },
        }
      : null,
  };
}
