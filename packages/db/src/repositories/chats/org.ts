import { type ExpressionBuilder, sql } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { Executor } from '../../executor.js';
import { keysetPage, type Page } from '../../paging.js';
import { type ChatReach, chatWithinReach } from '../../reach.js';
import { definedColumns } from '../../rows.js';
import type { ChannelType, Database, IdentityKind, MessageRole, ParticipantRole } from '../../schema.js';
import { chatOnChannelTypes, chatTextMatches } from '../../search.js';
import { isoUtc } from '../../times.js';
import { joinChatParties } from './parties.js';

// The org chats inbox (the org-chats group; its contract is the Org chats tag of /openapi.json): a page of chats with everything the nested shape shows, built by
// ONE statement whatever the page size: the page's ids first, then joins and lateral lookups
// (last message, unseen counts, participants as a JSON array) on those rows only.

export type ChatStatus = 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELED';
export type ChatState = 'OPEN' | 'SNOOZED' | 'CLOSED';
export type ChatVisibility = 'PRIVATE' | 'PUBLIC_READ' | 'PUBLIC_WRITE';

/** Who is looking: unread state is relative to them. */
export interface OrgChatViewer {
  identityId: string;
}

export interface OrgChatFilter {
  /** The caller's reach: which chats the inbox may hold at all. `visibility` is shown, never consulted. */
  reach: ChatReach;
  viewer: OrgChatViewer;
  /** Case-insensitive substring of the title or of any message's content. */
  search?: string;
  /** Only chats on channels of these types; `includeNoChannel` adds the chats without a channel. */
  channels?: { types: ChannelType[]; includeNoChannel: boolean };
  status?: ChatStatus;
  state?: ChatState;
  aiEnabled?: boolean;
  /** Only chats with messages (by others) after the viewer's read marker. */
  unreadByViewer?: boolean;
  /** true: CLOSED chats only; false: OPEN and SNOOZED ones. */
  resolved?: boolean;
  /** A member id: the chats assigned to that member; null: unassigned chats. */
  assignedMemberId?: number | null;
}

/** A keyset position: the chat's activity instant (ISO-8601 with microseconds, UTC) and its id. */
export interface OrgChatCursor {
  activityAt: string;
  id: string;
}

export interface OrgChatPageRequest {
  /** Rows to skip (page-number paging); ignored when `after` is set. */
  offset: number;
  limit: number;
  after?: OrgChatCursor;
}

export interface OrgChatIdentity {
  identityId: string;
  kind: IdentityKind;
  name: string;
  avatarUrl: string | null;
}

export interface OrgChatContact {
  identifier: string | null;
  handle: string | null;
  country: string | null;
  userAgent: string | null;
  ip: string | null;
  language: string | null;
  link: string | null;
  isBlocked: boolean;
}

export interface OrgChatParticipant extends OrgChatIdentity {
  role: ParticipantRole;
  sessionId: string | null;
}

export interface OrgChatMessageRecord {
  id: string;
  role: MessageRole;
  model: string | null;
  status: ChatStatus;
  error: string | null;
  /** Stored JSON, parsed by core. */
  parts: unknown;
  tools: unknown;
  features: unknown;
  inputTokens: number | null;
  outputTokens: number | null;
  reasoningTokens: number | null;
  cachedInputTokens: number | null;
  author: OrgChatIdentity | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface OrgChatRecord {
  id: string;
  workspaceId: string;
  title: string | null;
  model: string | null;
  isTemporary: boolean;
  visibility: ChatVisibility;
  isPinned: boolean;
  status: ChatStatus;
  state: ChatState;
  aiEnabled: boolean;
  sharedUrl: string | null;
  link: string | null;
  conversationId: string | null;
  /** Stored JSON, parsed by core. */
  tools: unknown;
  features: unknown;
  createdAt: Date;
  updatedAt: Date;
  channel: { id: string; type: ChannelType; name: string; avatarUrl: string | null; isEnabled: boolean } | null;
  owner: OrgChatIdentity & { sessionId: string | null; contact: OrgChatContact | null };
  /** The agent answering the chat (for a squad, the agent that took it), with the config of the version it runs on. */
  assistant: (OrgChatIdentity & { config: unknown }) | null;
  assignee: (OrgChatIdentity & { memberId: number; email: string | null; seenAt: Date | null }) | null;
  assignedAt: Date | null;
  participants: OrgChatParticipant[];
  lastMessage: OrgChatMessageRecord | null;
  /** Messages by others after the viewer's read marker (all of them without one). */
  viewerUnseenCount: number;
  /** Messages by others after the owner's read marker. */
  ownerUnseenCount: number;
  /** Where the next page starts after this chat. */
  cursor: OrgChatCursor;
}

type ChatsEb = ExpressionBuilder<Database, 'chats'>;

/** The inbox order: latest activity (last message, else creation) first; chats_ws_activity_idx serves it. */
const activityAt = sql<Date>`coalesce(chats.last_message_at, chats.created_at)`;
const NEVER = sql<Date>`'-infinity'::timestamptz`;

function orgChatFilter(filter: OrgChatFilter, after: OrgChatCursor | undefined) {
  return (eb: ChatsEb) => {
    const conditions = [chatWithinReach(filter.reach)(eb), eb('chats.is_removed', '=', false)];
    if (filter.status) conditions.push(eb('chats.status', '=', filter.status));
    if (filter.state) conditions.push(eb('chats.state', '=', filter.state));
    if (filter.aiEnabled !== undefined) conditions.push(eb('chats.ai_enabled', '=', filter.aiEnabled));
    if (filter.resolved !== undefined) conditions.push(eb('chats.state', filter.resolved ? '=' : '<>', 'CLOSED'));
    if (filter.assignedMemberId !== undefined) {
      conditions.push(filter.assignedMemberId === null ? eb('chats.assigned_member_id', 'is', null) : eb('chats.assigned_member_id', '=', filter.assignedMemberId));
    }
    if (filter.channels) conditions.push(chatOnChannelTypes(eb, filter.reach.workspaceId, filter.channels.types, filter.channels.includeNoChannel));
    if (filter.unreadByViewer) {
      const seenAt = sql<Date>`coalesce((${eb
        .selectFrom('chat_read_markers')
        .select('chat_read_markers.seen_at')
        .whereRef('chat_read_markers.chat_id', '=', 'chats.id')
        .where('chat_read_markers.identity_id', '=', filter.viewer.identityId)}), ${NEVER})`;
      conditions.push(
        // The chat's last message time rules most chats out before any message is read.
        eb('chats.last_message_at', '>', seenAt),
        eb.exists(
          eb
            .selectFrom('messages')
            .select(sql.lit(1).as('one'))
            .whereRef('messages.chat_id', '=', 'chats.id')
            .where('messages.created_at', '>', seenAt)
            .where('messages.author_id', 'is distinct from', filter.viewer.identityId),
        ),
      );
    }
    if (filter.search) conditions.push(chatTextMatches(eb, filter.search));
    if (after) conditions.push(eb(sql`(${activityAt}, chats.id)`, '<', sql`(${after.activityAt}::timestamptz, ${after.id}::uuid)`));
    return eb.and(conditions);
  };
}

function identity(id: string | null, kind: IdentityKind | null, name: string | null, avatarUrl: string | null): OrgChatIdentity | null {
  return id && kind && name !== null ? { identityId: id, kind, name, avatarUrl } : null;
}

/** One page of the org's inbox, in one statement. */
export async function listOrgChatRecords(db: Executor, filter: OrgChatFilter, page: OrgChatPageRequest): Promise<Page<OrgChatRecord>> {
  const viewerId = filter.viewer.identityId;
  const rows = await db
    .selectFrom((eb) =>
      eb
        .selectFrom('chats')
        .select([
          'chats.id',
          activityAt.as('activity_at'),
          // Microseconds survive the round trip through the token (a JS Date keeps milliseconds only).
          isoUtc(activityAt, 'US').as('cursor_at'),
        ])
        .where(orgChatFilter(filter, page.after))
        .orderBy(activityAt, 'desc')
        .orderBy('chats.id', 'desc')
        .$if(!page.after && page.offset > 0, (qb) => qb.offset(page.offset))
        .limit(page.limit + 1)
        .as('page'),
    )
    .innerJoin('chats', 'chats.id', 'page.id')
    // owner_member is not read here: members.identity_id is unique, so Postgres drops that join.
    .$call(joinChatParties)
    .leftJoin('identities as assistant', (join) =>
      join.on(sql<boolean>`assistant.id = coalesce(chats.current_responder_id, chats.responder_id)`).on('assistant.kind', '=', 'agent'),
    )
    .leftJoin('assistants', 'assistants.identity_id', 'assistant.id')
    // The version the chat runs on when the responder is that agent, else the agent's current one.
    .leftJoin('assistant_versions as version', (join) =>
      join.on(sql<boolean>`version.id = coalesce(case when chats.responder_id = assistant.id then chats.responder_version_id end, assistants.current_version_id)`),
    )
    .leftJoin('members as assignee', 'assignee.id', 'chats.assigned_member_id')
    .leftJoin('identities as assignee_identity', 'assignee_identity.id', 'assignee.identity_id')
    .leftJoin('chat_read_markers as assignee_marker', (join) =>
      join.onRef('assignee_marker.chat_id', '=', 'chats.id').onRef('assignee_marker.identity_id', '=', 'assignee.identity_id'),
    )
    .leftJoin('chat_read_markers as viewer_marker', (join) =>
      join.onRef('viewer_marker.chat_id', '=', 'chats.id').on('viewer_marker.identity_id', '=', viewerId),
    )
    .leftJoin('chat_read_markers as owner_marker', (join) =>
      join.onRef('owner_marker.chat_id', '=', 'chats.id').onRef('owner_marker.identity_id', '=', 'chats.owner_id'),
    )
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('messages')
          .select([
            'messages.id', 'messages.role', 'messages.model', 'messages.status', 'messages.error', 'messages.parts', 'messages.tools',
            'messages.features', 'messages.input_tokens', 'messages.output_tokens', 'messages.reasoning_tokens',
            'messages.cached_input_tokens', 'messages.author_id', 'messages.created_at', 'messages.updated_at',
          ])
          .whereRef('messages.chat_id', '=', 'chats.id')
          .orderBy('messages.created_at', 'desc')
          .orderBy('messages.id', 'desc')
          .limit(1)
          .as('last'),
      (join) => join.onTrue(),
    )
    .leftJoin('identities as author', 'author.id', 'last.author_id')
    // Both unseen counts in one pass over the chat's messages after the earlier of the two markers.
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('messages')
          .select([
            sql<number>`count(*) filter (where messages.created_at > coalesce(viewer_marker.seen_at, ${NEVER}) and messages.author_id is distinct from ${viewerId}::uuid)`.as('viewer_unseen'),
            sql<number>`count(*) filter (where messages.created_at > coalesce(owner_marker.seen_at, ${NEVER}) and messages.author_id is distinct from chats.owner_id)`.as('owner_unseen'),
          ])
          .whereRef('messages.chat_id', '=', 'chats.id')
          .where('messages.created_at', '>', sql<Date>`least(coalesce(viewer_marker.seen_at, ${NEVER}), coalesce(owner_marker.seen_at, ${NEVER}))`)
          .as('unseen'),
      (join) => join.onTrue(),
    )
    .select((eb) => [
      'page.cursor_at',
      'chats.id', 'chats.workspace_id', 'chats.title', 'chats.model', 'chats.is_temporary', 'chats.visibility', 'chats.is_pinned',
      'chats.status', 'chats.state', 'chats.ai_enabled', 'chats.shared_url', 'chats.link', 'chats.conversation_id', 'chats.tools',
      'chats.features', 'chats.created_at', 'chats.updated_at', 'chats.assigned_at', 'chats.owner_session_id',
      'channels.id as channel_id', 'channels.type as channel_type', 'channels.name as channel_name',
      'channels.avatar_url as channel_avatar', 'channels.is_enabled as channel_enabled',
      'owner.id as owner_id', 'owner.kind as owner_kind', 'owner.display_name as owner_name', 'owner.picture_url as owner_avatar',
      'owner_contact.identity_id as contact_id', 'owner_contact.identifier as contact_identifier', 'owner_contact.handle as contact_handle',
      'owner_contact.country as contact_country', 'owner_contact.user_agent as contact_user_agent', 'owner_contact.ip as contact_ip',
      'owner_contact.language as contact_language', 'owner_contact.link as contact_link', 'owner_contact.is_blocked as contact_blocked',
      'assistant.id as assistant_id', 'assistant.kind as assistant_kind', 'assistant.display_name as assistant_name',
      'assistant.picture_url as assistant_avatar', 'version.config as assistant_config',
      'assignee.id as assignee_member_id', 'assignee.email as assignee_email', 'assignee_identity.id as assignee_id',
      'assignee_identity.kind as assignee_kind', 'assignee_identity.display_name as assignee_name',
      'assignee_identity.picture_url as assignee_avatar', 'assignee_marker.seen_at as assignee_seen_at',
      'last.id as last_id', 'last.role as last_role', 'last.model as last_model', 'last.status as last_status', 'last.error as last_error',
      'last.parts as last_parts', 'last.tools as last_tools', 'last.features as last_features', 'last.input_tokens as last_input_tokens',
      'last.output_tokens as last_output_tokens', 'last.reasoning_tokens as last_reasoning_tokens',
      'last.cached_input_tokens as last_cached_input_tokens', 'last.created_at as last_created_at', 'last.updated_at as last_updated_at',
      'author.id as author_id', 'author.kind as author_kind', 'author.display_name as author_name', 'author.picture_url as author_avatar',
      'unseen.viewer_unseen', 'unseen.owner_unseen',
      jsonArrayFrom(
        eb
          .selectFrom('participants')
          .innerJoin('members as pm', 'pm.id', 'participants.member_id')
          .innerJoin('identities as pi', 'pi.id', 'pm.identity_id')
          .select(['pi.id as identity_id', 'pi.kind', 'pi.display_name', 'pi.picture_url', 'participants.role', 'participants.session_id'])
          .whereRef('participants.chat_id', '=', 'chats.id')
          .orderBy('participants.id'),
      ).as('participants'),
    ])
    .orderBy('page.activity_at', 'desc')
    .orderBy('page.id', 'desc')
    .execute();

  return keysetPage(rows, page.limit, (r): OrgChatRecord => {
    const ownerIdentity = identity(r.owner_id, r.owner_kind, r.owner_name, r.owner_avatar)!;
    const assistantIdentity = identity(r.assistant_id, r.assistant_kind, r.assistant_name, r.assistant_avatar);
    const assigneeIdentity = identity(r.assignee_id, r.assignee_kind, r.assignee_name, r.assignee_avatar);
    return {
      id: r.id,
      workspaceId: r.workspace_id,
      title: r.title,
      model: r.model,
      isTemporary: r.is_temporary,
      visibility: r.visibility,
      isPinned: r.is_pinned,
      status: r.status,
      state: r.state,
      aiEnabled: r.ai_enabled,
      sharedUrl: r.shared_url,
      link: r.link,
      conversationId: r.conversation_id,
      tools: r.tools,
      features: r.features,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      channel:
        r.channel_id && r.channel_type && r.channel_name !== null
          ? { id: r.channel_id, type: r.channel_type, name: r.channel_name, avatarUrl: r.channel_avatar, isEnabled: r.channel_enabled ?? true }
          : null,
      owner: {
        ...ownerIdentity,
        sessionId: r.owner_session_id,
        contact: r.contact_id
          ? {
              identifier: r.contact_identifier,
              handle: r.contact_handle,
              country: r.contact_country,
              userAgent: r.contact_user_agent,
              ip: r.contact_ip,
              language: r.contact_language,
              link: r.contact_link,
              isBlocked: r.contact_blocked ?? false,
            }
          : null,
      },
      assistant: assistantIdentity && { ...assistantIdentity, config: r.assistant_config },
      assignee:
        assigneeIdentity && r.assignee_member_id !== null
          ? { ...assigneeIdentity, memberId: r.assignee_member_id, email: r.assignee_email, seenAt: r.assignee_seen_at }
          : null,
      assignedAt: r.assigned_at,
      participants: r.participants.map((p) => ({
        identityId: p.identity_id,
        kind: p.kind,
        name: p.display_name,
        avatarUrl: p.picture_url,
        role: p.role,
        sessionId: p.session_id,
      })),
      lastMessage:
        r.last_id && r.last_role && r.last_status && r.last_created_at && r.last_updated_at
          ? {
              id: r.last_id,
              role: r.last_role,
              model: r.last_model,
              status: r.last_status,
              error: r.last_error,
              parts: r.last_parts,
              tools: r.last_tools,
              features: r.last_features,
              inputTokens: r.last_input_tokens,
              outputTokens: r.last_output_tokens,
              reasoningTokens: r.last_reasoning_tokens,
              cachedInputTokens: r.last_cached_input_tokens,
              author: identity(r.author_id, r.author_kind, r.author_name, r.author_avatar),
              createdAt: r.last_created_at,
              updatedAt: r.last_updated_at,
            }
          : null,
      viewerUnseenCount: Number(r.viewer_unseen ?? 0),
      ownerUnseenCount: Number(r.owner_unseen ?? 0),
      cursor: { activityAt: r.cursor_at, id: r.id },
    };
  });
}

/**
 * Moves the viewer's read marker of a chat within the reach to now (or to its last message, if later),
 * never backwards. Undefined when the chat is unknown, removed or outside the reach (another workspace's too).
 */
export async function markOrgChatSeen(db: Executor, reach: ChatReach, viewer: OrgChatViewer, chatId: string): Promise<Date | undefined> {
  const row = await db
    .insertInto('chat_read_markers')
    .columns(['chat_id', 'identity_id', 'seen_at'])
    .expression((eb) =>
      eb
        .selectFrom('chats')
        .select(['chats.id', sql<string>`${viewer.identityId}::uuid`.as('identity_id'), sql<Date>`greatest(now(), chats.last_message_at)`.as('seen_at')])
        .where(chatWithinReach(reach))
        .where('chats.id', '=', chatId)
        .where('chats.is_removed', '=', false),
    )
    .onConflict((oc) => oc.columns(['chat_id', 'identity_id']).doUpdateSet({ seen_at: sql<Date>`greatest(chat_read_markers.seen_at, excluded.seen_at)` }))
    .returning('seen_at')
    .executeTakeFirst();
  return row?.seen_at;
}

/** Sets an identity's read marker of a chat directly (e.g. the contact's side, reported by its channel). */
export async function setChatReadMarker(db: Executor, chatId: string, identityId: string, seenAt: Date): Promise<void> {
  await db
    .insertInto('chat_read_markers')
    .values({ chat_id: chatId, identity_id: identityId, seen_at: seenAt })
    .onConflict((oc) => oc.columns(['chat_id', 'identity_id']).doUpdateSet({ seen_at: seenAt }))
    .execute();
}

/** The org inbox attributes of a chat that chat creation leaves at their defaults. */
export interface OrgChatAttributes {
  model?: string | null;
  conversationId?: string | null;
  link?: string | null;
  ownerSessionId?: string | null;
  tools?: unknown[];
  features?: Record<string, unknown>;
  isTemporary?: boolean;
  isPinned?: boolean;
  visibility?: ChatVisibility;
  status?: ChatStatus;
  state?: ChatState;
  aiEnabled?: boolean;
  sharedUrl?: string | null;
  assignedMemberId?: number | null;
  assignedAt?: Date | null;
}

export async function updateOrgChatAttributes(db: Executor, workspaceId: string, chatId: string, patch: OrgChatAttributes): Promise<void> {
  await db
    .updateTable('chats')
    .set({
      ...definedColumns(patch, [
        'model', 'conversationId', 'link', 'ownerSessionId', 'isTemporary', 'isPinned', 'visibility', 'status', 'state', 'aiEnabled', 'sharedUrl',
        'assignedMemberId', 'assignedAt',
      ]),
      ...(patch.tools !== undefined && { tools: JSON.stringify(patch.tools) }),
      ...(patch.features !== undefined && { features: JSON.stringify(patch.features) }),
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', chatId)
    .execute();
}
