import {
  type Executor,
  findWorkspaceAdminRecord,
  insertUser,
  insertWorkspace,
  type MemberRecord,
  setDefaultResponder,
  type WorkspaceRecord,
} from '@parley/db';
import type { Principal } from './auth.js';
import { requireResponder } from './channels.js';
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
  if (!isValidTimeZone(timeZone)) throw AppError.invalid('timeZone', 'is not an IANA time zone', `Unknown IANA time zone: ${timeZone}`);
  const workspace = await insertWorkspace(db, { id: input.id, name: input.name, timeZone });
  const admin = await insertUser(db, { workspaceId: workspace.id, name: input.adminName, email: input.adminEmail ?? null, role: 'admin' });
  return { workspace, admin };
}

/** A new user member of the caller's workspace (the demo's team; no endpoint adds users yet). */
export async function addWorkspaceUser(db: Executor, principal: Principal, input: { name: string; email?: string | null; role: 'admin' | 'member' }): Promise<MemberRecord> {
  return insertUser(db, { workspaceId: principal.workspaceId, name: input.name, email: input.email ?? null, role: input.role });
}

/** What answers chats created without a channel: an assistant or a squad of the workspace, as a channel's responder. */
export async function setWorkspaceDefaultResponder(db: Executor, principal: Principal, responderId: string): Promise<void> {
  await requireResponder(db, principal, responderId);
  await setDefaultResponder(db, principal.workspaceId, responderId);
}

/** The member a workspace's new keys belong to by default. */
export async function findWorkspaceAdmin(db: Executor, workspaceId: string) {
  if (!isUuid(workspaceId)) throw AppError.invalid('workspaceId', 'must be a UUID', `Workspace id must be a UUID, got ${workspaceId}`);
  return findWorkspaceAdminRecord(db, workspaceId);
}
