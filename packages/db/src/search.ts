import { type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import type { ChannelType, Database } from './schema.js';

// The search fragments every chat list shares: text search over a chat's content and metadata, channel types.

/** `text` as a LIKE pattern that matches it literally. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (m) => `\\${m}`);
}

/** An ILIKE pattern finding `text` anywhere, wildcards in it taken literally. */
export function containsPattern(text: string): string {
  return `%${escapeLike(text)}%`;
}

/**
 * Whether any message of the chat holds `pattern` (case-insensitive). Postgres chooses per plan between
 * probing each candidate chat's messages (a common term, a page that fills fast) and one trigram-index
 * lookup of the matching messages (a rare term); every search in every group goes through here.
 */
export function anyMessageMatches(eb: ExpressionBuilder<Database, 'chats'>, pattern: string) {
  return eb.exists(
    eb.selectFrom('messages').select(sql.lit(1).as('one')).whereRef('messages.chat_id', '=', 'chats.id').where('messages.content', 'ilike', pattern),
  );
}

/**
 * The chat is on a channel of one of `types`, or has no channel when `includeNoChannel`. The channel ids are
 * looked up once (`= any(array(...))`, an init plan): written as a semi-join, Postgres misjudges how many chats
 * match and sorts every chat of the channel instead of reading a page in index order.
 */
export function chatOnChannelTypes(eb: ExpressionBuilder<Database, 'chats'>, workspaceId: string, types: readonly ChannelType[], includeNoChannel: boolean) {
  const channelIds = eb.selectFrom('channels').select('channels.id').where('channels.workspace_id', '=', workspaceId).where('channels.type', 'in', types.length ? [...types] : ['__none__' as ChannelType]);
  const typed = sql<SqlBool>`chats.channel_id = any(array(${channelIds}))`;
  return includeNoChannel ? eb.or([typed, eb('chats.channel_id', 'is', null)]) : eb.and([typed]);
}

/**
 * The `search` parameter of every chat list: `text` is in the chat's title, summary, labels, its owner's
 * name, phone or email, or any of its messages, all held in the chat's search document (migration
 * 20261203T0300). One trigram-indexed column, so the planner can tell a rare or absent term (one index
 * lookup) from a common one (probing each chat of the page in list order).
 */
export function chatTextMatches(eb: ExpressionBuilder<Database, 'chats'>, text: string) {
  const pattern = containsPattern(text);
  return eb('chats.id', 'in', eb.selectFrom('chat_search_documents').select('chat_search_documents.chat_id').where('chat_search_documents.document', 'ilike', pattern));
}
