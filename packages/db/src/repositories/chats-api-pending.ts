import { sql } from 'kysely';
import type { Executor } from '../executor.js';
import type { ParticipantRole } from '../schema.js';
import { containsPattern } from './chats.js';

// ---- members (the directory) ----

export interface MemberListRecord {
  id: number;
  identityId: string;
  kind: 'user' | 'assistant';
  role: 'admin' | 'member';
  name: string;
  email: string | null;
  avatar: string | null;
  createdAt: Date;
}

/**
 * One page of the workspace's members by name, then id: after `after` (the last row's name and id),
 * optionally only those whose name holds `search` (case-insensitive) and of one kind.
 */
export async function listMembers(
  db: Executor,
  reach: { workspaceId: string },
  page: { limit: number; after?: { name: string; id: number }; search?: string; kind?: 'user' | 'assistant' },
): Promise<{ items: MemberListRecord[]; hasMore: boolean }> {
  const rows = await db
    .selectFrom('members')
    .innerJoin('identities', 'identities.id', 'members.identity_id')
    .select(['members.id', 'members.identity_id', 'members.kind', 'members.role', 'members.email', 'members.created_at', 'identities.display_name', 'identities.picture_url'])
    .where('members.workspace_id', '=', reach.workspaceId)
    .$if(page.kind !== undefined, (qb) => qb.where('members.kind', '=', page.kind!))
    .$if(page.search !== undefined, (qb) => qb.where('identities.display_name', 'ilike', containsPattern(page.search!)))
    .$if(page.after !== undefined, (qb) => qb.where(sql<boolean>`(identities.display_name, members.id) > (cast(${page.after!.name} as text), ${page.after!.id})`))
    .orderBy('identities.display_name')
    .orderBy('members.id')
    .limit(page.limit + 1)
    .execute();
  const items = rows.slice(0, page.limit).map((r) => ({
    id: r.id,
    identityId: r.identity_id,
    kind: r.kind,
    role: r.role,
    name: r.display_name,
    email: r.email,
    avatar: r.picture_url,
    createdAt: r.created_at,
  }));
  return { items, hasMore: rows.length > page.limit };
}

// ---- participants ----

export interface ChatParticipantRecord {
  id: number;
  memberId: number;
  identityId: string;
  name: string;
  email: string | null;
  role: ParticipantRole;
  lastSeenAt: Date | null;
  createdAt: Date;
}

/** The chat's participants in the order they were added. */
export async function listParticipants(db: Executor, chatId: string): Promise<ChatParticipantRecord[]> {
  const rows = await db
    .selectFrom('participants')
    .innerJoin('members', 'members.id', 'participants.member_id')
    .innerJoin('identities', 'identities.id', 'members.identity_id')
    .select(['participants.id', 'participants.member_id', 'participants.role', 'participants.last_seen_at', 'participants.created_at', 'members.identity_id', 'members.email', 'identities.display_name'])
    .where('participants.chat_id', '=', chatId)
    .orderBy('participants.id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    memberId: r.member_id,
    identityId: r.identity_id,
    name: r.display_name,
    email: r.email,
    role: r.role,
    lastSeenAt: r.last_seen_at,
    createdAt: r.created_at,
  }));
}

/** Removes the participant `participantId` of the chat; false when the chat has no such participant. */
export async function deleteParticipant(db: Executor, chatId: string, participantId: number): Promise<boolean> {
  const row = await db.deleteFrom('participants').where('chat_id', '=', chatId).where('id', '=', participantId).returning('id').executeTakeFirst();
  return row !== undefined;
}

// ---- a v2 chat's writable fields ----

export interface ChatFieldsPatch {
  title?: string | null;
  summary?: string | null;
  isArchived?: boolean;
  isPaused?: boolean;
  isMuted?: boolean;
  needsResponse?: boolean;
  state?: 'OPEN' | 'SNOOZED' | 'CLOSED';
  assignedMemberId?: number | null;
}

/**
 * Writes the fields the patch names (and updated_at). A summary that differs from the stored one moves
 * summary_updated_at to now (no summary: null); a new assignee moves assigned_at (null when unassigned).
 */
export async function updateChatFields(db: Executor, workspaceId: string, chatId: string, patch: ChatFieldsPatch): Promise<void> {
  await db
    .updateTable('chats')
    .set((eb) => ({
      ...(patch.title !== undefined && { title: patch.title }),
      ...(patch.summary !== undefined && {
        summary: patch.summary,
        summary_updated_at:
          patch.summary === null ? null : eb.case().when(sql<boolean>`chats.summary is distinct from ${patch.summary}`).then(sql<Date>`now()`).else(eb.ref('chats.summary_updated_at')).end(),
      }),
      ...(patch.isArchived !== undefined && { is_archived: patch.isArchived }),
      ...(patch.isPaused !== undefined && { is_paused: patch.isPaused }),
      ...(patch.isMuted !== undefined && { is_muted: patch.isMuted }),
      ...(patch.needsResponse !== undefined && { needs_response: patch.needsResponse }),
      ...(patch.state !== undefined && { state: patch.state }),
      ...(patch.assignedMemberId !== undefined && {
        assigned_member_id: patch.assignedMemberId,
        assigned_at: patch.assignedMemberId === null ? null : eb.case().when('chats.assigned_member_id', 'is not distinct from', patch.assignedMemberId).then(eb.ref('chats.assigned_at')).else(sql<Date>`now()`).end(),
      }),
      updated_at: sql<Date>`now()`,
    }))
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', chatId)
    .execute();
}

/** The chat's labels become exactly `labelIds`. */
export async function replaceChatLabels(db: Executor, chatId: string, labelIds: string[]): Promise<void> {
  await db.deleteFrom('chat_labels').where('chat_id', '=', chatId).execute();
  if (labelIds.length > 0) await db.insertInto('chat_labels').values(labelIds.map((labelId) => ({ chat_id: chatId, label_id: labelId }))).execute();
}
