import {
  type Executor,
  findWorkspaceAdminRecord,
  insertUser,
  insertWorkspace,
  type MemberRecord,
  type WorkspaceRecord,
} from '@parley/db';
import { AppError } from './errors.js';
import { isUuid } from './input.js';

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** A new workspace with its first member, an admin. */
export async function provisionWorkspace(
  db: Executor,
  input: { id?: string; name: string; timeZone?: string; adminName: string; adminEmail?: string },
): Promise<{ workspace: WorkspaceRecord; admin: MemberRecord }> {
  const timeZone = input.timeZone ?? 'UTC';
  if (!isValidTimeZone(timeZone)) throw new AppError('validation_failed', `Unknown IANA time zone: ${timeZone}`);
  const workspace = await insertWorkspace(db, { id: input.id, name: input.name, timeZone });
  const admin = await insertUser(db, { workspaceId: workspace.id, name: input.adminName, email: input.adminEmail ?? null, role: 'admin' });
  return { workspace, admin };
}


/** The member a workspace's new keys belong to by default. */
export async function findWorkspaceAdmin(db: Executor, workspaceId: string) {
  if (!isUuid(workspaceId)) throw new AppError('validation_failed', `Workspace id must be a UUID, got ${workspaceId}`);
  return findWorkspaceAdminRecord(db, workspaceId);
}
