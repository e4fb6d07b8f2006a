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
