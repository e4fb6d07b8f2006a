import { randomBytes } from 'node:crypto';
import type { Executor } from '../executor.js';

export interface WorkspaceRecord {
  id: string;
  name: string;
  timeZone: string;
  defaultResponderId: string | null;
  createdAt: Date;
}

// The secret stays out of workspace records: only the API-key lookup reads it.
const WORKSPACE_COLUMNS = ['id', 'name', 'time_zone', 'default_responder_id', 'created_at'] as const;

export async function insertWorkspace(
  db: Executor,
  input: { id?: string; name: string; timeZone?: string },
): Promise<WorkspaceRecord> {
  const row = await db
    .insertInto('workspaces')
    .values({ id: input.id, name: input.name, time_zone: input.timeZone, secret: randomBytes(32) })
    .returning(WORKSPACE_COLUMNS)
    .executeTakeFirstOrThrow();
  return toWorkspace(row);
}

export async function findWorkspace(db: Executor, id: string): Promise<WorkspaceRecord | undefined> {
  const row = await db.selectFrom('workspaces').select(WORKSPACE_COLUMNS).where('id', '=', id).executeTakeFirst();
  return row && toWorkspace(row);
}

export async function countWorkspaces(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('workspaces')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return row.n;
}

export async function setDefaultResponder(db: Executor, workspaceId: string, responderId: string): Promise<void> {
  await db.updateTable('workspaces').set({ default_responder_id: responderId }).where('id', '=', workspaceId).execute();
}

function toWorkspace(row: {
  id: string;
  name: string;
  time_zone: string;
  default_responder_id: string | null;
  created_at: Date;
}): WorkspaceRecord {
  return {
    id: row.id,
    name: row.name,
    timeZone: row.time_zone,
    defaultResponderId: row.default_responder_id,
    createdAt: row.created_at,
  };
}

/** The first workspace ever created (the demo workspace on a local database). */
export async function findOldestWorkspace(db: Executor): Promise<WorkspaceRecord | undefined> {
  const row = await db.selectFrom('workspaces').select(WORKSPACE_COLUMNS).orderBy('created_at').orderBy('id').limit(1).executeTakeFirst();
  return row && toWorkspace(row);
}
