import {
  type CallFields,
  type CallRecord,
  type Database,
  deleteCall as deleteCallRow,
  type Executor,
  findActionChat,
  findCall,
  insertCall,
  listCalls as listCallRows,
  updateCall as updateCallRow,
} from '@parley/db';
import type { Kysely } from 'kysely';
import type { Principal } from './auth.js';
import { AppError } from './errors.js';
import { type Outcome, reviveDates, withIdempotency } from './idempotency.js';
import { keysetList, type ListPage } from './paging.js';
import { chatReach } from './policy.js';

// Call records on a v2 chat: what the call statistics read (the CALL_* components of
// `GET /v1/chatbots/{chatbotId}/statistics/reports/overview`). A call belongs to its chat: it is read
// within the caller's reach with `chats:read` and recorded with `chats:write`, like the chat's messages. The duration is the one given, else the time from start to end.

type Db = Kysely<Database>;

async function requireChat(db: Executor, principal: Principal, chatNumber: number, lock = false) {
  const chat = await findActionChat(db, chatReach(principal), chatNumber, { lock });
  if (!chat) throw AppError.notFound('Chat');
  return chat;
}

export type CallInput = Omit<CallFields, 'durationSeconds'> & { durationSeconds?: number | null };

function checked(fields: CallInput): CallFields {
  if (fields.endedAt && fields.endedAt < fields.startedAt) {
    throw AppError.invalid('body.endedAt', 'is before startedAt', 'endedAt must not be before startedAt');
  }
  const derived = fields.endedAt ? Math.round((fields.endedAt.getTime() - fields.startedAt.getTime()) / 1000) : null;
  return { ...fields, durationSeconds: fields.durationSeconds ?? derived };
}

export async function listCalls(db: Executor, principal: Principal, chatNumber: number, query: { limit: number; cursor?: string }): Promise<ListPage<CallRecord>> {
  const chat = await requireChat(db, principal, chatNumber);
  return keysetList(principal, 'calls', query, (page) => listCallRows(db, chat.id, page), (call) => call.startedAtText, 'timestamptz');
}

export async function getCall(db: Executor, principal: Principal, chatNumber: number, id: string): Promise<CallRecord> {
  const chat = await requireChat(db, principal, chatNumber);
  const call = await findCall(db, chat.id, id);
  if (!call) throw AppError.notFound('Call');
  return call;
}

export async function recordCall(db: Db, principal: Principal, chatNumber: number, input: CallInput, idempotencyKey?: string): Promise<{ value: CallRecord; replayed: boolean }> {
  const fields = checked(input);
  const scope = { principal, key: idempotencyKey, operation: `record-call:${chatNumber}`, request: { ...input, startedAt: input.startedAt.toISOString(), endedAt: input.endedAt?.toISOString() ?? null } };
  return withIdempotency(db, scope, (c) => reviveDates<CallRecord>(c, ['startedAt', 'endedAt', 'createdAt']), async (record) =>
    db.transaction().execute(async (trx) => {
      const chat = await requireChat(trx, principal, chatNumber, true);
      const outcome: Outcome<CallRecord> = { ok: true, value: await insertCall(trx, { workspaceId: chat.workspaceId, chatId: chat.id }, fields) };
      await record(trx, outcome);
      return outcome;
    }),
  );
}

/** Changes the fields given; a new start or end without a duration recomputes it from the two. */
export async function updateCall(db: Db, principal: Principal, chatNumber: number, id: string, patch: Partial<CallInput>): Promise<CallRecord> {
  return db.transaction().execute(async (trx) => {
    const chat = await requireChat(trx, principal, chatNumber, true);
    const current = await findCall(trx, chat.id, id);
    if (!current) throw AppError.notFound('Call');
    const timesChanged = patch.startedAt !== undefined || patch.endedAt !== undefined;
    const merged = checked({
      direction: patch.direction ?? current.direction,
      startedAt: patch.startedAt ?? current.startedAt,
      endedAt: patch.endedAt !== undefined ? patch.endedAt : current.endedAt,
      durationSeconds: patch.durationSeconds !== undefined ? patch.durationSeconds : timesChanged ? null : current.durationSeconds,
      outcome: patch.outcome !== undefined ? patch.outcome : current.outcome,
      exitStep: patch.exitStep !== undefined ? patch.exitStep : current.exitStep,
      transferTarget: patch.transferTarget !== undefined ? patch.transferTarget : current.transferTarget,
      userInputs: patch.userInputs !== undefined ? patch.userInputs : current.userInputs,
    });
    return (await updateCallRow(trx, chat.id, id, merged))!;
  });
}

export async function deleteCall(db: Db, principal: Principal, chatNumber: number, id: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const chat = await requireChat(trx, principal, chatNumber, true);
    if (!(await deleteCallRow(trx, chat.id, id))) throw AppError.notFound('Call');
  });
}
