import { type Selectable, sql } from 'kysely';
import type { Executor } from '../executor.js';
import { type KeysetAfter, type KeysetPage, readKeysetPage } from '../paging.js';
import { definedColumns, fieldsOf } from '../rows.js';
import type { CallDirection, CallsTable } from '../schema.js';
import { exactText } from '../times.js';

// Call records on a chat (voice calls, or calls on any channel): when each started and ended, how long
// it took, its direction and outcome. The chat keeps the totals the statistics read (its call_* columns:
// the sum of durations and user inputs, the latest call's outcome and exit step, the latest transfer),
// rewritten from its calls in the same transaction as every change, so the chats trigger marks the
// slices of the chat for the rollup.

export interface CallFields {
  direction: CallDirection;
  startedAt: Date;
  endedAt: Date | null;
  durationSeconds: number | null;
  outcome: string | null;
  exitStep: string | null;
  transferTarget: string | null;
  userInputs: number | null;
}

export interface CallRecord extends CallFields {
  id: string;
  chatId: string;
  createdAt: Date;
  /** started_at as Postgres prints it (microseconds kept): the exact value for a cursor. */
  startedAtText: string;
}

const columns = ['id', 'chat_id', 'direction', 'started_at', 'ended_at', 'duration_seconds', 'outcome', 'exit_step', 'transfer_target', 'user_inputs', 'created_at'] as const;

function toCall(r: Pick<Selectable<CallsTable>, (typeof columns)[number]> & { started_at_text: string }): CallRecord {
  return fieldsOf(r, [...columns, 'started_at_text']);
}

const selection = [...columns, exactText('started_at').as('started_at_text')] as const;

function row(fields: Partial<CallFields>) {
  return definedColumns(fields, ['direction', 'startedAt', 'endedAt', 'durationSeconds', 'outcome', 'exitStep', 'transferTarget', 'userInputs']);
}

export async function insertCall(db: Executor, chat: { workspaceId: string; chatId: string }, fields: CallFields): Promise<CallRecord> {
  const inserted = await db
    .insertInto('calls')
    .values({ workspace_id: chat.workspaceId, chat_id: chat.chatId, ...row(fields), direction: fields.direction, started_at: fields.startedAt })
    .returning(selection)
    .executeTakeFirstOrThrow();
  await syncChatCallTotals(db, chat.chatId);
  return toCall(inserted);
}

export async function findCall(db: Executor, chatId: string, id: string): Promise<CallRecord | undefined> {
  const found = await db.selectFrom('calls').select(selection).where('chat_id', '=', chatId).where('id', '=', id).executeTakeFirst();
  return found && toCall(found);
}

/** The chat's calls, earliest first by (started_at, id). */
export async function listCalls(db: Executor, chatId: string, page: { limit: number; after?: KeysetAfter }): Promise<KeysetPage<CallRecord>> {
  return readKeysetPage(db.selectFrom('calls').select(selection).where('chat_id', '=', chatId), 'started_at', 'id', page, toCall, 'timestamptz');
}

export async function updateCall(db: Executor, chatId: string, id: string, fields: Partial<CallFields>): Promise<CallRecord | undefined> {
  const updated = await db
    .updateTable('calls')
    .set({ ...row(fields), updated_at: sql<Date>`now()` })
    .where('chat_id', '=', chatId)
    .where('id', '=', id)
    .returning(selection)
    .executeTakeFirst();
  if (updated) await syncChatCallTotals(db, chatId);
  return updated && toCall(updated);
}

export async function deleteCall(db: Executor, chatId: string, id: string): Promise<boolean> {
  const deleted = await db.deleteFrom('calls').where('chat_id', '=', chatId).where('id', '=', id).returning('id').executeTakeFirst();
  if (deleted) await syncChatCallTotals(db, chatId);
  return deleted !== undefined;
}

/** The chat's call_* columns from its calls: null durations until a call has one. */
async function syncChatCallTotals(db: Executor, chatId: string): Promise<void> {
  const latest = (column: 'outcome' | 'exit_step' | 'transfer_target', onlySet = false) =>
    sql<string | null>`(select ${sql.ref(column)} from calls where chat_id = ${chatId} ${onlySet ? sql`and ${sql.ref(column)} is not null` : sql``} order by started_at desc, id desc limit 1)`;
  await db
    .updateTable('chats')
    .set({
      call_duration_seconds: sql<number | null>`(select sum(duration_seconds)::int from calls where chat_id = ${chatId})`,
      call_user_inputs: sql<number | null>`(select sum(user_inputs)::int from calls where chat_id = ${chatId})`,
      call_end_reason: latest('outcome'),
      call_exit_step: latest('exit_step'),
      call_transfer_target: latest('transfer_target', true),
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', chatId)
    .execute();
}
