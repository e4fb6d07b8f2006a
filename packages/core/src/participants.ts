import { type Database, findMember, insertParticipant, type ParticipantRole } from '@parley/db';
import type { Kysely } from 'kysely';
import type { Principal } from './auth.js';
import { requireActionChat } from './chats/workspace.js';
import { AppError } from './errors.js';
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
      const outcome: Outcome<{ participantId: number }> = { ok: true, value: { participantId: row.id } };
      await record(trx, outcome);
      return outcome;
    });
  });
}
