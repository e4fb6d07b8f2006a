import { sql } from 'kysely';
import type { Executor } from '../executor.js';
import { type KeysetPage, type KeysetPageRequest, readKeysetPage } from '../paging.js';
import { definedColumns, type RowOf } from '../rows.js';
import type { ChannelType } from '../schema.js';

export interface ChannelRecord {
  id: string;
  workspaceId: string;
  type: ChannelType;
  name: string;
  responderId: string;
}

export async function insertChannel(
  db: Executor,
  input: { workspaceId: string; type: ChannelType; name: string; responderId: string; avatarUrl?: string | null; config?: Record<string, unknown> },
): Promise<ChannelRecord> {
  const row = await db
    .insertInto('channels')
    .values({
      workspace_id: input.workspaceId,
      type: input.type,
      name: input.name,
      responder_id: input.responderId,
      avatar_url: input.avatarUrl ?? null,
      config: JSON.stringify(input.config ?? {}),
    })
    .returning(['id'])
    .executeTakeFirstOrThrow();
  return { id: row.id, workspaceId: input.workspaceId, type: input.type, name: input.name, responderId: input.responderId };
}

export async function findChannel(db: Executor, workspaceId: string, id: string): Promise<ChannelRecord | undefined> {
  const row = await db
    .selectFrom('channels')
    .select(['id', 'workspace_id', 'type', 'name', 'responder_id'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && { id: row.id, workspaceId: row.workspace_id, type: row.type, name: row.name, responderId: row.responder_id };
}

export async function setChannelEnabled(db: Executor, workspaceId: string, channelId: string, enabled: boolean): Promise<void> {
  await db.updateTable('channels').set({ is_enabled: enabled }).where('workspace_id', '=', workspaceId).where('id', '=', channelId).execute();
}

// ---- the workspace's channels through the API ----

export interface ChannelDirectoryRecord {
  id: string;
  type: ChannelType;
  name: string;
  avatarUrl: string | null;
  isEnabled: boolean;
  /** Whether assistant messages are delivered on the channel (SMS, email): config.notificationsEnabled, on unless false. */
  notificationsEnabled: boolean;
  responder: { id: string; kind: 'agent' | 'squad'; name: string };
  createdAt: Date;
}

function channelsQuery(db: Executor, workspaceId: string) {
  return db
    .selectFrom('channels as c')
    .innerJoin('identities as r', 'r.id', 'c.responder_id')
    .select(['c.id', 'c.type', 'c.name', 'c.avatar_url', 'c.is_enabled', 'c.config', 'c.created_at', 'r.id as responder_id', 'r.kind as responder_kind', 'r.display_name as responder_name'])
    .where('c.workspace_id', '=', workspaceId);
}

function toChannelDirectory(r: RowOf<typeof channelsQuery>): ChannelDirectoryRecord {
  const config = (typeof r.config === 'string' ? JSON.parse(r.config) : r.config) as Record<string, unknown>;
  return {
    id: r.id,
    type: r.type,
    name: r.name,
    avatarUrl: r.avatar_url,
    isEnabled: r.is_enabled,
    notificationsEnabled: config.notificationsEnabled !== false,
    responder: { id: r.responder_id, kind: r.responder_kind as 'agent' | 'squad', name: r.responder_name },
    createdAt: r.created_at,
  };
}

export async function findChannelById(db: Executor, workspaceId: string, id: string): Promise<ChannelDirectoryRecord | undefined> {
  const row = await channelsQuery(db, workspaceId).where('c.id', '=', id).executeTakeFirst();
  return row && toChannelDirectory(row);
}

/** The workspace's channels by name, then id; optionally of some types or enabled state. */
export async function listChannels(db: Executor, workspaceId: string, page: KeysetPageRequest & { types?: ChannelType[]; enabled?: boolean }): Promise<KeysetPage<ChannelDirectoryRecord>> {
  const query = channelsQuery(db, workspaceId)
    .$if(page.types !== undefined && page.types.length > 0, (qb) => qb.where('c.type', 'in', page.types!))
    .$if(page.enabled !== undefined, (qb) => qb.where('c.is_enabled', '=', page.enabled!));
  return readKeysetPage(query, 'c.name', 'c.id', page, toChannelDirectory);
}

export interface ChannelPatch {
  type?: ChannelType;
  name?: string;
  avatarUrl?: string | null;
  isEnabled?: boolean;
  notificationsEnabled?: boolean;
  responderId?: string;
}

/** Writes the given fields (notificationsEnabled into the config, keeping its other keys); false when the workspace has no such channel. */
export async function updateChannel(db: Executor, workspaceId: string, id: string, patch: ChannelPatch): Promise<boolean> {
  const row = await db
    .updateTable('channels')
    .set({
      id: sql<string>`id`,
      ...definedColumns(patch, ['type', 'name', 'avatarUrl', 'isEnabled', 'responderId']),
      ...(patch.notificationsEnabled !== undefined && { config: sql<string>`config || jsonb_build_object('notificationsEnabled', ${patch.notificationsEnabled}::boolean)` }),
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/** How many chats are on the channel (removed ones too: they still refer to it). */
export async function countChannelChats(db: Executor, workspaceId: string, id: string): Promise<number> {
  const row = await db.selectFrom('chats').select((eb) => eb.fn.countAll<number>().as('n')).where('workspace_id', '=', workspaceId).where('channel_id', '=', id).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Deletes a channel no chat is on; false otherwise (or when there is no such channel). */
export async function deleteChannel(db: Executor, workspaceId: string, id: string): Promise<boolean> {
  const row = await db
    .deleteFrom('channels')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('chats').select(sql.lit(1).as('one')).whereRef('chats.channel_id', '=', 'channels.id'))))
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}
