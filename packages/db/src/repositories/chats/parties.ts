import type { Nullable, SelectQueryBuilder } from 'kysely';
import type { ChannelsTable, ContactsTable, Database, IdentitiesTable, MembersTable } from '../../schema.js';

// The joins every chat list and lookup makes for a chat's parties, under the same aliases everywhere.

/** The tables joinChatParties adds, as Kysely types them (the left-joined ones nullable). */
interface ChatPartyTables {
  channels: Nullable<ChannelsTable>;
  owner: IdentitiesTable;
  owner_member: Nullable<MembersTable>;
  owner_contact: Nullable<ContactsTable>;
}

type WithChatParties<DB> = { [T in keyof DB | keyof ChatPartyTables]: T extends keyof ChatPartyTables ? ChatPartyTables[T] : T extends keyof DB ? DB[T] : never };

/**
 * Joins onto a query that holds `chats`: its channel (`channels`, none for an API chat), its owner's
 * identity (`owner`), and the owner's member row (`owner_member`) or contact row (`owner_contact`): an
 * owner is a workspace member or an end user, so one of the two is null.
 */
export function joinChatParties<DB extends Database, TB extends keyof DB, O>(
  qb: SelectQueryBuilder<DB, TB, O>,
): SelectQueryBuilder<WithChatParties<DB>, TB | keyof ChatPartyTables, O> {
  return (qb as unknown as SelectQueryBuilder<Database, 'chats', O>)
    .leftJoin('channels', 'channels.id', 'chats.channel_id')
    .innerJoin('identities as owner', 'owner.id', 'chats.owner_id')
    .leftJoin('members as owner_member', 'owner_member.identity_id', 'chats.owner_id')
    .leftJoin('contacts as owner_contact', 'owner_contact.identity_id', 'chats.owner_id') as never;
}
