import { type CompiledQuery, type Expression, type RawBuilder, sql } from 'kysely';
import { type ChatSort, type WorkspaceChatFilter, workspaceChatsOrder, workspaceChatsWhere } from '../chats/workspace.js';
import type { Executor } from '../../executor.js';
import { isoUtc } from '../../times.js';

// The CSV export of the v2 workspace chats: one SELECT whose rows are the CSV's rows, filtered and
// sorted exactly as the list is (workspaceChatsWhere, workspaceChatsOrder), formatted entirely in SQL
// so that Postgres's COPY output is the finished file.

/** The CSV's columns, in order: the header row. Stable: later versions only append. */
export const CHAT_EXPORT_COLUMNS = [
  ['chat_id', "The chat's integer id."],
  ['chat_uuid', "The chat's UUID."],
  ['title', 'The title; empty when none.'],
  ['chat_type', 'assignment, manager, dm or testing.'],
  ['channel', 'The channel type; `api` for a chat without a channel.'],
  ['channel_name', "The channel's name."],
  ['owner_id', "The owner's identity id."],
  ['owner_name', "The owner's display name."],
  ['owner_kind', '`user` (a workspace member) or `contact` (an end user).'],
  ['owner_member_id', "The owner's member id, when the owner is a member."],
  ['owner_anonymous', '`true` when the owner is an anonymous end user.'],
  ['assistant_member_id', 'The member id of the assistant answering the chat.'],
  ['assistant_name', "That assistant's name."],
  ['assigned_member_id', 'The member the chat is assigned to.'],
  ['participants', 'Participants as `memberId:role`, separated by `;`.'],
  ['archived', '`true` or `false`.'],
  ['paused', '`true` or `false`.'],
  ['muted', '`true` or `false`.'],
  ['needs_response', '`true` or `false`.'],
  ['is_test', '`true` or `false`.'],
  ['state', 'OPEN, SNOOZED or CLOSED.'],
  ['labels', 'Label names, sorted, separated by `; `.'],
  ['created_at', 'ISO-8601 in UTC with millisecond precision, e.g. `2026-11-23T09:30:00.000Z`.'],
  ['updated_at', 'ISO-8601 in UTC.'],
  ['last_message_at', 'ISO-8601 in UTC; empty when the chat has no messages.'],
  ['message_count', 'How many messages the chat holds.'],
] as const;

/**
 * Text a spreadsheet would run as a formula (leading `=`, `+`, `-`, `@`, tab or CR) gets a leading
 * apostrophe, which spreadsheets show as text and never evaluate.
 */
function neutralised(text: RawBuilder<unknown> | Expression<unknown>): RawBuilder<string> {
  return sql<string>`case when left(${text}, 1) in ('=', '+', '-', '@', chr(9), chr(13)) then '''' || ${text} else ${text} end`;
}

const flag = (column: string) => sql<string>`case when ${sql.ref(column)} then 'true' else 'false' end`;

/** The ids of the chats `filter` selects: what the per-chat aggregates are restricted to. */
function exportedChatIds(db: Executor, filter: WorkspaceChatFilter) {
  return db.selectFrom('chats').select('chats.id').where(workspaceChatsWhere(filter));
}

/** The export's SELECT, compiled: the chats of `filter` in `sort` order, one CSV-ready row each. */
export function compileChatExportQuery(db: Executor, filter: WorkspaceChatFilter, sort: ChatSort): CompiledQuery {
  const query = db
    .selectFrom('chats')
    .leftJoin('channels', 'channels.id', 'chats.channel_id')
    .innerJoin('identities as owner', 'owner.id', 'chats.owner_id')
    .leftJoin('members as owner_member', 'owner_member.identity_id', 'chats.owner_id')
    .leftJoin('contacts as owner_contact', 'owner_contact.identity_id', 'chats.owner_id')
    .leftJoin('members as assistant', (join) =>
      join.on((eb) => eb('assistant.identity_id', '=', eb.fn.coalesce('chats.current_responder_id', 'chats.responder_id'))).on('assistant.kind', '=', 'assistant'),
    )
    .leftJoin('identities as assistant_identity', 'assistant_identity.id', 'assistant.identity_id')
    // Participants and labels aggregated per chat in one pass each over the chats the filter selects
    // (a hash join of the grouped rows), rather than a subquery run for every exported row.
    .leftJoin(
      (eb) =>
        eb
          .selectFrom('participants')
          .select(['participants.chat_id', sql<string>`string_agg(participants.member_id || ':' || participants.role, ';' order by participants.id)`.as('list')])
          .where('participants.chat_id', 'in', exportedChatIds(db, filter))
          .groupBy('participants.chat_id')
          .as('chat_participants'),
      (join) => join.onRef('chat_participants.chat_id', '=', 'chats.id'),
    )
    .leftJoin(
      (eb) =>
        eb
          .selectFrom('chat_labels')
          .innerJoin('labels', 'labels.id', 'chat_labels.label_id')
          .select(['chat_labels.chat_id', sql<string>`string_agg(labels.name, '; ' order by labels.name)`.as('names')])
          .where('chat_labels.chat_id', 'in', exportedChatIds(db, filter))
          .groupBy('chat_labels.chat_id')
          .as('chat_label_names'),
      (join) => join.onRef('chat_label_names.chat_id', '=', 'chats.id'),
    )
    .select([
      'chats.number as chat_id',
      'chats.id as chat_uuid',
      neutralised(sql.ref('chats.title')).as('title'),
      'chats.chat_type',
      sql<string>`coalesce(channels.type, 'api')`.as('channel'),
      neutralised(sql.ref('channels.name')).as('channel_name'),
      'chats.owner_id',
      neutralised(sql.ref('owner.display_name')).as('owner_name'),
      'owner.kind as owner_kind',
      'owner_member.id as owner_member_id',
      sql<string>`case when owner_contact.is_anonymous then 'true' else 'false' end`.as('owner_anonymous'),
      'assistant.id as assistant_member_id',
      neutralised(sql.ref('assistant_identity.display_name')).as('assistant_name'),
      'chats.assigned_member_id',
      'chat_participants.list as participants',
      flag('chats.is_archived').as('archived'),
      flag('chats.is_paused').as('paused'),
      flag('chats.is_muted').as('muted'),
      flag('chats.needs_response').as('needs_response'),
      flag('chats.is_test').as('is_test'),
      'chats.state',
      neutralised(sql.ref('chat_label_names.names')).as('labels'),
      isoUtc(sql.ref('chats.created_at')).as('created_at'),
      isoUtc(sql.ref('chats.updated_at')).as('updated_at'),
      isoUtc(sql.ref('chats.last_message_at')).as('last_message_at'),
      'chats.message_count',
    ])
    .where(workspaceChatsWhere(filter));
  // One orderBy per term (the array form is deprecated), in the list's order.
  return workspaceChatsOrder(sort)
    .reduce((ordered, term) => ordered.orderBy(term), query)
    .compile();
}
