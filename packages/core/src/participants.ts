import { type ChatParticipantRecord, type Database, deleteParticipant, type Executor, findMember, insertParticipant, listParticipants, type ParticipantRole } from '@parley/db';
import type { Kysely } from 'kysely';
import type { Principal } from './auth.js';
import { requireActionChat } from './chats/workspace.js';
import { AppError } from './errors.js';
import { chatEvent, recordEvent } from './events/log.js';
import { type Outcome, withIdempotency } from './idempotency.js';

// The members taking part in a v2 chat.

type Db = Kysely<Database>;

/**
 * Adds a member to a chat the caller can already see: a participant is never a way into a chat. With an
 * Idempotency-Key, a retry answers the first request's participant instead of "already a participant".
 */
export async function addParticipant(
  db: Db,
  principal: Principal,
  chatNumber: number,
  input: { memberId: number; role: ParticipantRole },
  idempotencyKey?: string,
): Promise<{ value: { participantId: number }; replayed: boolean }> {
  const scope = { principal, key: idempotencyKey, operation: `add-participant:${chatNumber}`, request: input };
  return withIdempotency(db, scope, (stored) => stored as { participantId: number }, async (record) => {
    const chat = await requireActionChat(db, principal, chatNumber);
    const member = await findMember(db, principal.workspaceId, input.memberId);
    if (!member) throw AppError.notFound('Member');
    if (member.kind !== 'user') {
      throw AppError.invalid('body.memberId', 'is an assistant', 'Only workspace users can be participants, not assistants');
    }
    return db.transaction().execute(async (trx) => {
      const row = await insertParticipant(trx, { chatId: chat.id, memberId: member.id, role: input.role });
      if (!row) {
        throw new AppError('bad_request', `Member ${member.id} is already a participant of chat ${chat.number}`, { issues: [{ path: 'body.memberId', message: 'is already a participant' }] });
      }
      await recordEvent(trx, chatEvent('participant.added', chat, { participant: { id: row.id, memberId: member.id, identityId: member.identityId, role: input.role } }));
      const outcome: Outcome<{ participantId: number }> = { ok: true, value: { participantId: row.id } };
      await record(trx, outcome);
      return outcome;
    });
  });
}

/** The chat's participants, in the order they were added. */
export async function listChatParticipants(db: Executor, principal: Principal, chatNumber: number): Promise<ChatParticipantRecord[]> {
  const chat = await requireActionChat(db, principal, chatNumber);
  return listParticipants(db, chat.id);
}

/** Removes a participant of the chat; 404 for one that is not the chat's. */
export async function removeChatParticipant(db: Db, principal: Principal, chatNumber: number, participantId: number): Promise<void> {
  const chat = await requireActionChat(db, principal, chatNumber);
  await db.transaction().execute(async (trx) => {
    const removed = await deleteParticipant(trx, chat.id, participantId);
    if (!removed) throw AppError.notFound('Participant');
    const member = await findMember(trx, chat.workspaceId, removed.memberId);
    await recordEvent(trx, chatEvent('participant.removed', chat, { participant: { id: participantId, memberId: removed.memberId, identityId: member?.identityId ?? null, role: removed.role } }));
  });
}
