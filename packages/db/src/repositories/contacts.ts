import { sql } from 'kysely';
import type { Executor } from '../executor.js';
import { type KeysetPage, type KeysetPageRequest, readKeysetPage } from '../paging.js';
import { definedColumns, fieldsOf, type RowOf } from '../rows.js';
import { insertIdentity } from './members.js';

// Contacts: the end users of a workspace (external users, anonymous visitors).

export interface NewContact {
  workspaceId: string;
  name: string;
  identifier?: string | null;
  email?: string | null;
  phone?: string | null;
  isBlocked?: boolean;
  isAnonymous?: boolean;
  country?: string | null;
  language?: string | null;
}

export async function insertContact(db: Executor, input: NewContact): Promise<{ identityId: string }> {
  const identityId = await insertIdentity(db, { workspaceId: input.workspaceId, kind: 'contact', displayName: input.name });
  await db
    .insertInto('contacts')
    .values({
      identity_id: identityId,
      workspace_id: input.workspaceId,
      identifier: input.identifier ?? null,
      email: input.email ?? null,
      phone: input.phone ?? null,
      is_blocked: input.isBlocked ?? false,
      is_anonymous: input.isAnonymous ?? false,
      country: input.country ?? null,
      language: input.language ?? null,
      ip: null,
      user_agent: null,
      link: null,
    })
    .execute();
  return { identityId };
}

/** The contact's presence on its channel: handle, client details and profile link. */
export async function updateContactChannelDetails(
  db: Executor,
  workspaceId: string,
  contactId: string,
  patch: { handle?: string | null; ip?: string | null; userAgent?: string | null; link?: string | null; pictureUrl?: string | null },
): Promise<void> {
  const contact = definedColumns(patch, ['handle', 'ip', 'userAgent', 'link']);
  if (Object.keys(contact).length > 0) {
    await db.updateTable('contacts').set(contact).where('workspace_id', '=', workspaceId).where('identity_id', '=', contactId).execute();
  }
  if (patch.pictureUrl !== undefined) {
    await db.updateTable('identities').set({ picture_url: patch.pictureUrl }).where('workspace_id', '=', workspaceId).where('id', '=', contactId).execute();
  }
}

// Contacts: the end users who reach the workspace through a channel and own its chats. A contact is an
// identity (its name, picture) with a contacts row (how to reach it, its channel details).

export interface ContactRecord {
  id: string;
  name: string;
  pictureUrl: string | null;
  identifier: string | null;
  email: string | null;
  phone: string | null;
  handle: string | null;
  isBlocked: boolean;
  isAnonymous: boolean;
  country: string | null;
  language: string | null;
  ip: string | null;
  userAgent: string | null;
  link: string | null;
  createdAt: Date;
}

/** The fields of a contact that can be written; absent fields are left as they are. */
export interface ContactPatch {
  name?: string;
  pictureUrl?: string | null;
  identifier?: string | null;
  email?: string | null;
  phone?: string | null;
  handle?: string | null;
  isBlocked?: boolean;
  isAnonymous?: boolean;
  country?: string | null;
  language?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  link?: string | null;
}

function contactsQuery(db: Executor, workspaceId: string) {
  return db
    .selectFrom('contacts as c')
    .innerJoin('identities as i', 'i.id', 'c.identity_id')
    .select([
      'i.id', 'i.display_name', 'i.picture_url', 'c.identifier', 'c.email', 'c.phone', 'c.handle', 'c.is_blocked', 'c.is_anonymous',
      'c.country', 'c.language', 'c.ip', 'c.user_agent', 'c.link', 'c.created_at',
    ])
    .where('c.workspace_id', '=', workspaceId)
    .where('i.workspace_id', '=', workspaceId);
}

function toContact(r: RowOf<typeof contactsQuery>): ContactRecord {
  return {
    id: r.id,
    name: r.display_name,
    ...fieldsOf(r, ['picture_url', 'identifier', 'email', 'phone', 'handle', 'is_blocked', 'is_anonymous', 'country', 'language', 'ip', 'user_agent', 'link', 'created_at']),
  };
}

/** A contact of the workspace; undefined for another workspace's and for identities that are no contact. */
export async function findContact(db: Executor, workspaceId: string, id: string, options: { includeAnonymous: boolean }): Promise<ContactRecord | undefined> {
  const row = await contactsQuery(db, workspaceId)
    .where('i.id', '=', id)
    .$if(!options.includeAnonymous, (qb) => qb.where('c.is_anonymous', '=', false))
    .executeTakeFirst();
  return row && toContact(row);
}

/** The workspace's contacts by name, then id. */
export async function listContacts(db: Executor, workspaceId: string, page: KeysetPageRequest & { includeAnonymous: boolean; blocked?: boolean }): Promise<KeysetPage<ContactRecord>> {
  const query = contactsQuery(db, workspaceId)
    .where('i.kind', '=', 'contact')
    .$if(!page.includeAnonymous, (qb) => qb.where('c.is_anonymous', '=', false))
    .$if(page.blocked !== undefined, (qb) => qb.where('c.is_blocked', '=', page.blocked!));
  return readKeysetPage(query, 'i.display_name', 'i.id', page, toContact);
}

/** Writes the given fields of a contact; false when it is not one of the workspace's. */
export async function updateContact(db: Executor, workspaceId: string, id: string, patch: ContactPatch): Promise<boolean> {
  const contact = definedColumns(patch, ['identifier', 'email', 'phone', 'handle', 'isBlocked', 'isAnonymous', 'country', 'language', 'ip', 'userAgent', 'link']);
  // Always one statement on the contact, so an unknown id is told apart even when only the name changes.
  const updated = await db
    .updateTable('contacts')
    .set(Object.keys(contact).length > 0 ? contact : { identity_id: sql<string>`identity_id` })
    .where('workspace_id', '=', workspaceId)
    .where('identity_id', '=', id)
    .returning('identity_id')
    .executeTakeFirst();
  if (!updated) return false;
  const identity = {
    ...(patch.name !== undefined && { display_name: patch.name }),
    ...(patch.pictureUrl !== undefined && { picture_url: patch.pictureUrl }),
  };
  if (Object.keys(identity).length > 0) {
    await db.updateTable('identities').set(identity).where('workspace_id', '=', workspaceId).where('id', '=', id).execute();
  }
  return true;
}

/** How many chats the identity owns (removed ones too: they still refer to it). */
export async function countChatsOwnedBy(db: Executor, workspaceId: string, identityId: string): Promise<number> {
  const row = await db
    .selectFrom('chats')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .where('owner_id', '=', identityId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Deletes a contact that owns no chat (its identity, and with it its read markers); false when none was deleted. */
export async function deleteContact(db: Executor, workspaceId: string, id: string): Promise<boolean> {
  const deleted = await db
    .deleteFrom('identities')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('kind', '=', 'contact')
    .where((eb) => eb.not(eb.exists(eb.selectFrom('chats').select(sql.lit(1).as('one')).whereRef('chats.owner_id', '=', 'identities.id'))))
    .where((eb) => eb.not(eb.exists(eb.selectFrom('messages').select(sql.lit(1).as('one')).whereRef('messages.author_id', '=', 'identities.id'))))
    .returning('id')
    .executeTakeFirst();
  return deleted !== undefined;
}
