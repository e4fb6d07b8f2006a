import { type Kysely, sql } from 'kysely';

// Frozen in time. The `search` of every chat list covers the chat's content and metadata (the lists' `search` parameter):
// its title, summary, labels, its owner's name, phone and email, and its messages. One document per chat
// holds all of them, joined by a unit separator (U+001F, which no search term holds, so a match never
// spans two fields), with a trigram index: a term is then one index lookup (rare or absent terms), or
// one probe per chat read in list order (common terms), and the planner tells them apart from the
// document column's statistics. Statement-level triggers keep the documents current on every write
// path: new messages are appended; any other change rebuilds the documents of the chats it touches.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create extension if not exists pg_trgm`.execute(db);
  await sql`
    create table chat_search_documents (
      chat_id uuid primary key references chats (id) on delete cascade,
      document text not null
    )`.execute(db);

  // A chat's metadata, as the start of its document.
  await sql`
    create function chat_search_metadata(chat chats) returns text language sql stable as $$
      select concat_ws(chr(31), chat.title, chat.summary, o.display_name, ct.phone, ct.email, m.phone, m.email,
                       (select string_agg(l.name, chr(31) order by l.name) from chat_labels cl join labels l on l.id = cl.label_id where cl.chat_id = chat.id))
      from identities o
      left join contacts ct on ct.identity_id = o.id
      left join members m on m.identity_id = o.id
      where o.id = chat.owner_id
    $$`.execute(db);

  // The whole document of each of these chats, from scratch.
  await sql`
    create function chat_search_refresh(ids uuid[]) returns void language sql as $$
      insert into chat_search_documents (chat_id, document)
      select c.id, concat_ws(chr(31), nullif(chat_search_metadata(c), ''),
                             (select string_agg(msg.content, chr(31) order by msg.created_at, msg.number) from messages msg where msg.chat_id = c.id and msg.content <> ''))
      from chats c where c.id = any(ids)
      on conflict (chat_id) do update set document = excluded.document
    $$`.execute(db);

  await sql`
    create function chat_search_chats_inserted() returns trigger language plpgsql as $$
    begin
      -- Before or after the messages of the same statement: the metadata goes first either way.
      insert into chat_search_documents (chat_id, document)
      select n.id, coalesce(chat_search_metadata(n), '') from new_rows n
      on conflict (chat_id) do update
        set document = concat_ws(chr(31), nullif(excluded.document, ''), nullif(chat_search_documents.document, ''));
      return null;
    end $$`.execute(db);
  await sql`
    create function chat_search_chats_updated() returns trigger language plpgsql as $$
    begin
      perform chat_search_refresh(array(
        select n.id from new_rows n join old_rows o on o.id = n.id
        where n.title is distinct from o.title or n.summary is distinct from o.summary or n.owner_id is distinct from o.owner_id));
      return null;
    end $$`.execute(db);
  await sql`
    create function chat_search_messages_inserted() returns trigger language plpgsql as $$
    begin
      insert into chat_search_documents (chat_id, document)
      select chat_id, string_agg(content, chr(31) order by created_at, number) from new_rows where content <> '' group by chat_id
      on conflict (chat_id) do update
        set document = concat_ws(chr(31), nullif(chat_search_documents.document, ''), excluded.document);
      return null;
    end $$`.execute(db);
  await sql`
    create function chat_search_messages_updated() returns trigger language plpgsql as $$
    begin
      perform chat_search_refresh(array(
        select n.chat_id from new_rows n join old_rows o on o.id = n.id where n.content is distinct from o.content or n.chat_id <> o.chat_id
        union select o.chat_id from new_rows n join old_rows o on o.id = n.id where n.chat_id <> o.chat_id));
      return null;
    end $$`.execute(db);
  await sql`
    create function chat_search_messages_deleted() returns trigger language plpgsql as $$
    begin
      perform chat_search_refresh(array(select distinct chat_id from old_rows));
      return null;
    end $$`.execute(db);
  await sql`
    create function chat_search_chat_labels_changed() returns trigger language plpgsql as $$
    begin
      perform chat_search_refresh(array(select distinct chat_id from changed_rows));
      return null;
    end $$`.execute(db);
  await sql`
    create function chat_search_labels_renamed() returns trigger language plpgsql as $$
    begin
      perform chat_search_refresh(array(
        select distinct cl.chat_id from new_rows n join old_rows o on o.id = n.id join chat_labels cl on cl.label_id = n.id where n.name is distinct from o.name));
      return null;
    end $$`.execute(db);
  // An owner's name, phone or email changed (or its contact or member row arrived): the chats it owns.
  await sql`
    create function chat_search_identities_updated() returns trigger language plpgsql as $$
    begin
      perform chat_search_refresh(array(
        select c.id from chats c where c.owner_id in (
          select n.id from new_rows n join old_rows o on o.id = n.id where n.display_name is distinct from o.display_name)));
      return null;
    end $$`.execute(db);
  for (const table of ['contacts', 'members']) {
    await sql`
      create function ${sql.raw(`chat_search_${table}_inserted`)}() returns trigger language plpgsql as $$
      begin
        perform chat_search_refresh(array(select c.id from chats c where c.owner_id in (select identity_id from new_rows)));
        return null;
      end $$`.execute(db);
    await sql`
      create function ${sql.raw(`chat_search_${table}_updated`)}() returns trigger language plpgsql as $$
      begin
        perform chat_search_refresh(array(
          select c.id from chats c where c.owner_id in (
            select n.identity_id from new_rows n join old_rows o on o.identity_id = n.identity_id
            where n.phone is distinct from o.phone or n.email is distinct from o.email)));
        return null;
      end $$`.execute(db);
  }

  const trigger = (name: string, when: string, table: string, transition: string, fn: string) =>
    sql.raw(`create trigger ${name} after ${when} on ${table} referencing ${transition} for each statement execute function ${fn}()`).execute(db);
  await trigger('chat_search_chats_insert', 'insert', 'chats', 'new table as new_rows', 'chat_search_chats_inserted');
  await trigger('chat_search_chats_update', 'update', 'chats', 'old table as old_rows new table as new_rows', 'chat_search_chats_updated');
  await trigger('chat_search_messages_insert', 'insert', 'messages', 'new table as new_rows', 'chat_search_messages_inserted');
  await trigger('chat_search_messages_update', 'update', 'messages', 'old table as old_rows new table as new_rows', 'chat_search_messages_updated');
  await trigger('chat_search_messages_delete', 'delete', 'messages', 'old table as old_rows', 'chat_search_messages_deleted');
  await trigger('chat_search_chat_labels_insert', 'insert', 'chat_labels', 'new table as changed_rows', 'chat_search_chat_labels_changed');
  await trigger('chat_search_chat_labels_delete', 'delete', 'chat_labels', 'old table as changed_rows', 'chat_search_chat_labels_changed');
  await trigger('chat_search_labels_update', 'update', 'labels', 'old table as old_rows new table as new_rows', 'chat_search_labels_renamed');
  await trigger('chat_search_identities_update', 'update', 'identities', 'old table as old_rows new table as new_rows', 'chat_search_identities_updated');
  for (const table of ['contacts', 'members']) {
    await trigger(`chat_search_${table}_insert`, 'insert', table, 'new table as new_rows', `chat_search_${table}_inserted`);
    await trigger(`chat_search_${table}_update`, 'update', table, 'old table as old_rows new table as new_rows', `chat_search_${table}_updated`);
  }
  // Every existing chat, set-based.
  await sql`
    insert into chat_search_documents (chat_id, document)
    select c.id, concat_ws(chr(31), nullif(chat_search_metadata(c), ''), m.content)
    from chats c
    left join (select chat_id, string_agg(content, chr(31) order by created_at, number) as content from messages where content <> '' group by chat_id) m on m.chat_id = c.id`.execute(db);
  await sql`create index chat_search_documents_trgm_idx on chat_search_documents using gin (document gin_trgm_ops)`.execute(db);
  // Finer statistics on the documents: the planner's estimate of how many match a term picks the plan.
  await sql`alter table chat_search_documents alter column document set statistics 1000`.execute(db);
  await sql`analyze chat_search_documents`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [name, table] of [
    ['chat_search_chats_insert', 'chats'], ['chat_search_chats_update', 'chats'], ['chat_search_messages_insert', 'messages'],
    ['chat_search_messages_update', 'messages'], ['chat_search_messages_delete', 'messages'], ['chat_search_chat_labels_insert', 'chat_labels'],
    ['chat_search_chat_labels_delete', 'chat_labels'], ['chat_search_labels_update', 'labels'], ['chat_search_identities_update', 'identities'],
    ['chat_search_contacts_insert', 'contacts'], ['chat_search_contacts_update', 'contacts'], ['chat_search_members_insert', 'members'], ['chat_search_members_update', 'members'],
  ]) {
    await sql.raw(`drop trigger if exists ${name} on ${table}`).execute(db);
  }
  await sql`drop table if exists chat_search_documents`.execute(db);
  for (const fn of [
    'chat_search_chats_inserted', 'chat_search_chats_updated', 'chat_search_messages_inserted', 'chat_search_messages_updated', 'chat_search_messages_deleted',
    'chat_search_chat_labels_changed', 'chat_search_labels_renamed', 'chat_search_identities_updated',
    'chat_search_contacts_inserted', 'chat_search_contacts_updated', 'chat_search_members_inserted', 'chat_search_members_updated',
  ]) {
    await sql.raw(`drop function if exists ${fn}()`).execute(db);
  }
  await sql`drop function if exists chat_search_refresh(uuid[])`.execute(db);
  await sql`drop function if exists chat_search_metadata(chats)`.execute(db);
}
