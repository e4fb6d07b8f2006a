import type { Executor } from '../executor.js';
import type { ParticipantRole } from '../schema.js';

// The members taking part in a chat.

/** Adds a member to a chat (role `contributor` unless named); undefined when the member already takes part. */
export async function insertParticipant(
  db: Executor,
  input: { chatId: string; memberId: number; role?: ParticipantRole; sessionId?: string | null },
): Promise<{ id: number } | undefined> {
  return db
    .insertInto('participants')
    .values({ chat_id: input.chatId, member_id: input.memberId, role: input.role, session_id: input.sessionId ?? null, last_seen_at: null })
    .onConflict((oc) => oc.columns(['chat_id', 'member_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
}

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

/** Removes the participant `participantId` of the chat and returns who it was; undefined when the chat has no such participant. */
export async function deleteParticipant(db: Executor, chatId: string, participantId: number): Promise<{ memberId: number; role: ParticipantRole } | undefined> {
  const row = await db.deleteFrom('participants').where('chat_id', '=', chatId).where('id', '=', participantId).returning(['member_id', 'role']).executeTakeFirst();
  return row && { memberId: row.member_id, role: row.role };
}
