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
