import type { Executor } from '../executor.js';
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
