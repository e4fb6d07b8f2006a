import { sql } from 'kysely';
import type { Executor } from '../executor.js';
import { keysetPage } from '../paging.js';
import type { IdentityKind } from '../schema.js';
import { containsPattern } from '../search.js';

// Identities (every actor has one) and the workspace's members: its users and its assistants' member rows.
// Contacts are in contacts.ts, assistants and squads in assistants.ts.

export interface IdentityRecord {
  id: string;
  workspaceId: string;
  kind: IdentityKind;
  displayName: string;
  pictureUrl: string | null;
}

/** The identity row every actor has; the actor's own row (member, contact, assistant, squad) goes beside it. */
export async function insertIdentity(
  db: Executor,
  input: { id?: string; workspaceId: string; kind: IdentityKind; displayName: string; pictureUrl?: string | null },
): Promise<string> {
  const row = await db
    .insertInto('identities')
    .values({
      id: input.id,
      workspace_id: input.workspaceId,
      kind: input.kind,
      display_name: input.displayName,
      picture_url: input.pictureUrl ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export interface MemberRecord {
  id: number;
  identityId: string;
  workspaceId: string;
  kind: 'user' | 'assistant';
  role: 'admin' | 'member';
  name: string;
  email: string | null;
}

export async function insertUser(
  db: Executor,
  input: { workspaceId: string; name: string; email?: string | null; phone?: string | null; role?: 'admin' | 'member'; pictureUrl?: string | null },
): Promise<MemberRecord> {
  const identityId = await insertIdentity(db, { workspaceId: input.workspaceId, kind: 'user', displayName: input.name, pictureUrl: input.pictureUrl });
  const row = await db
    .insertInto('members')
    .values({
      workspace_id: input.workspaceId,
      identity_id: identityId,
      kind: 'user',
      email: input.email ?? null,
      phone: input.phone ?? null,
      role: input.role ?? 'member',
    })
    .returning(['id', 'role'])
    .executeTakeFirstOrThrow();
  return { id: row.id, identityId, workspaceId: input.workspaceId, kind: 'user', role: row.role, name: input.name, email: input.email ?? null };
}

/** An identity of the workspace, or undefined (also for another workspace's id). */
export async function findIdentity(db: Executor, workspaceId: string, id: string): Promise<IdentityRecord | undefined> {
  const row = await db
    .selectFrom('identities')
    .select(['id', 'workspace_id', 'kind', 'display_name', 'picture_url'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && { id: row.id, workspaceId: row.workspace_id, kind: row.kind, displayName: row.display_name, pictureUrl: row.picture_url };
}

export async function findMember(db: Executor, workspaceId: string, memberId: number): Promise<MemberRecord | undefined> {
  const row = await db
    .selectFrom('members')
    .innerJoin('identities', 'identities.id', 'members.identity_id')
    .select([
      'members.id', 'members.identity_id', 'members.workspace_id', 'members.kind', 'members.role', 'members.email',
      'identities.display_name',
    ])
    .where('members.workspace_id', '=', workspaceId)
    .where('members.id', '=', memberId)
    .executeTakeFirst();
  return (
    row && {
      id: row.id,
      identityId: row.identity_id,
      workspaceId: row.workspace_id,
      kind: row.kind,
      role: row.role,
      name: row.display_name,
      email: row.email,
    }
  );
}

/** The workspace's first admin user, if any. */
export async function findWorkspaceAdminRecord(db: Executor, workspaceId: string): Promise<{ id: number } | undefined> {
  return db
    .selectFrom('members')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('kind', '=', 'user')
    .where('role', '=', 'admin')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
}

// ---- members (the directory) ----

export interface MemberListRecord {
  id: number;
  identityId: string;
  kind: 'user' | 'assistant';
  role: 'admin' | 'member';
  name: string;
  email: string | null;
  avatar: string | null;
  createdAt: Date;
}

/**
 * One page of the workspace's members by name, then id: after `after` (the last row's name and id),
 * optionally only those whose name holds `search` (case-insensitive) and of one kind.
 */
export async function listMembers(
  db: Executor,
  reach: { workspaceId: string },
  page: { limit: number; after?: { name: string; id: number }; search?: string; kind?: 'user' | 'assistant' },
): Promise<{ items: MemberListRecord[]; hasMore: boolean }> {
  const rows = await db
    .selectFrom('members')
    .innerJoin('identities', 'identities.id', 'members.identity_id')
    .select(['members.id', 'members.identity_id', 'members.kind', 'members.role', 'members.email', 'members.created_at', 'identities.display_name', 'identities.picture_url'])
    .where('members.workspace_id', '=', reach.workspaceId)
    .$if(page.kind !== undefined, (qb) => qb.where('members.kind', '=', page.kind!))
    .$if(page.search !== undefined, (qb) => qb.where('identities.display_name', 'ilike', containsPattern(page.search!)))
    .$if(page.after !== undefined, (qb) => qb.where(sql<boolean>`(identities.display_name, members.id) > (cast(${page.after!.name} as text), ${page.after!.id})`))
    .orderBy('identities.display_name')
    .orderBy('members.id')
    .limit(page.limit + 1)
    .execute();
  return keysetPage(rows, page.limit, (r) => ({
    id: r.id,
    identityId: r.identity_id,
    kind: r.kind,
    role: r.role,
    name: r.display_name,
    email: r.email,
    avatar: r.picture_url,
    createdAt: r.created_at,
  }));
}
