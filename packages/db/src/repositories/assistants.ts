import { sql } from 'kysely';
import type { Executor } from '../executor.js';
import { type KeysetPage, type KeysetPageRequest, keysetAfter, keysetPage } from '../keyset.js';
import { containsPattern } from './chats.js';

// Assistants (agents) with their versions, and squads (teams of assistants): the responders of chats.
// An assistant is an identity with a member row (its integer id) and an assistants row; what it runs on
// is a numbered version (config), one of which is current. Responder names (assistants and squads) are
// unique per workspace, case-insensitively.

export interface AssistantDirectoryRecord {
  id: string;
  memberId: number;
  name: string;
  description: string | null;
  pictureUrl: string | null;
  currentVersion: { id: string; number: number; config: Record<string, unknown> } | null;
  versionCount: number;
  createdAt: Date;
}

export interface AssistantVersionRecord {
  id: string;
  assistantId: string;
  number: number;
  config: Record<string, unknown>;
  isCurrent: boolean;
  createdAt: Date;
}

const parse = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v) as Record<string, unknown>;

function assistantsQuery(db: Executor, workspaceId: string) {
  return db
    .selectFrom('assistants as a')
    .innerJoin('identities as i', 'i.id', 'a.identity_id')
    .innerJoin('members as m', 'm.identity_id', 'a.identity_id')
    .leftJoin('assistant_versions as v', 'v.id', 'a.current_version_id')
    .select((eb) => [
      'i.id', 'm.id as member_id', 'i.display_name', 'a.description', 'i.picture_url', 'a.created_at',
      'v.id as version_id', 'v.version_number', 'v.config as version_config',
      eb.selectFrom('assistant_versions as av').select((e) => e.fn.countAll<number>().as('n')).whereRef('av.assistant_id', '=', 'a.identity_id').as('version_count'),
    ])
    .where('a.workspace_id', '=', workspaceId);
}

type AssistantRow = Awaited<ReturnType<ReturnType<typeof assistantsQuery>['executeTakeFirstOrThrow']>>;

function toAssistant(r: AssistantRow): AssistantDirectoryRecord {
  return {
    id: r.id,
    memberId: r.member_id,
    name: r.display_name,
    description: r.description,
    pictureUrl: r.picture_url,
    currentVersion: r.version_id ? { id: r.version_id, number: r.version_number!, config: parse(r.version_config) } : null,
    versionCount: Number(r.version_count ?? 0),
    createdAt: r.created_at,
  };
}

export async function findAssistantById(db: Executor, workspaceId: string, id: string): Promise<AssistantDirectoryRecord | undefined> {
  const row = await assistantsQuery(db, workspaceId).where('a.identity_id', '=', id).executeTakeFirst();
  return row && toAssistant(row);
}

export async function listAssistants(db: Executor, workspaceId: string, page: KeysetPageRequest): Promise<KeysetPage<AssistantDirectoryRecord>> {
  const rows = await assistantsQuery(db, workspaceId)
    .$if(page.search !== undefined, (qb) => qb.where('i.display_name', 'ilike', containsPattern(page.search!)))
    .$if(page.after !== undefined, (qb) => qb.where(keysetAfter('i.display_name', 'i.id', page.after!)))
    .orderBy('i.display_name')
    .orderBy('i.id')
    .limit(page.limit + 1)
    .execute();
  return keysetPage(rows, page.limit, toAssistant);
}

/** Whether a responder (assistant or squad) of that name exists in the workspace, other than `exceptId`. */
export async function responderNameTaken(db: Executor, workspaceId: string, name: string, exceptId?: string): Promise<boolean> {
  const row = await db
    .selectFrom('identities')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('kind', 'in', ['agent', 'squad'])
    .where(sql<boolean>`lower(display_name) = lower(${name})`)
    .$if(exceptId !== undefined, (qb) => qb.where('id', '<>', exceptId!))
    .executeTakeFirst();
  return row !== undefined;
}

/** Writes an assistant's or a squad's own fields (name and picture on the identity, description on its row). */
export async function updateResponder(
  db: Executor,
  workspaceId: string,
  id: string,
  kind: 'agent' | 'squad',
  patch: { name?: string; description?: string | null; pictureUrl?: string | null },
): Promise<void> {
  const identity = { ...(patch.name !== undefined && { display_name: patch.name }), ...(patch.pictureUrl !== undefined && { picture_url: patch.pictureUrl }) };
  if (Object.keys(identity).length > 0) await db.updateTable('identities').set(identity).where('workspace_id', '=', workspaceId).where('id', '=', id).execute();
  if (patch.description !== undefined) {
    await db
      .updateTable(kind === 'agent' ? 'assistants' : 'squads')
      .set({ description: patch.description })
      .where('workspace_id', '=', workspaceId)
      .where('identity_id', '=', id)
      .execute();
  }
}

/** What still refers to a responder: chats it answers, channels it is the responder of, messages it wrote. */
export async function responderReferences(db: Executor, workspaceId: string, id: string): Promise<{ chats: number; channels: number; messages: boolean }> {
  const row = await db
    .selectNoFrom((eb) => [
      eb.selectFrom('chats').select((e) => e.fn.countAll<number>().as('n')).where('workspace_id', '=', workspaceId).where((e) => e.or([e('responder_id', '=', id), e('current_responder_id', '=', id)])).as('chats'),
      eb.selectFrom('channels').select((e) => e.fn.countAll<number>().as('n')).where('workspace_id', '=', workspaceId).where('responder_id', '=', id).as('channels'),
      eb.exists(eb.selectFrom('messages').select(sql.lit(1).as('one')).where('workspace_id', '=', workspaceId).where('author_id', '=', id)).as('messages'),
    ])
    .executeTakeFirstOrThrow();
  return { chats: Number(row.chats ?? 0), channels: Number(row.channels ?? 0), messages: Boolean(row.messages) };
}

/** Deletes an assistant or squad identity (its member row, versions and squad memberships go with it). */
export async function deleteResponder(db: Executor, workspaceId: string, id: string, kind: 'agent' | 'squad'): Promise<boolean> {
  const row = await db.deleteFrom('identities').where('workspace_id', '=', workspaceId).where('id', '=', id).where('kind', '=', kind).returning('id').executeTakeFirst();
  return row !== undefined;
}

// ---- versions ----

function versionsQuery(db: Executor, workspaceId: string, assistantId: string) {
  return db
    .selectFrom('assistant_versions as v')
    .innerJoin('assistants as a', 'a.identity_id', 'v.assistant_id')
    .select(['v.id', 'v.assistant_id', 'v.version_number', 'v.config', 'v.created_at', sql<boolean>`v.id = a.current_version_id`.as('is_current')])
    .where('a.workspace_id', '=', workspaceId)
    .where('v.assistant_id', '=', assistantId);
}

type VersionRow = Awaited<ReturnType<ReturnType<typeof versionsQuery>['executeTakeFirstOrThrow']>>;

function toVersion(r: VersionRow): AssistantVersionRecord {
  return { id: r.id, assistantId: r.assistant_id, number: r.version_number, config: parse(r.config), isCurrent: Boolean(r.is_current), createdAt: r.created_at };
}

export async function findAssistantVersionById(db: Executor, workspaceId: string, assistantId: string, versionId: string): Promise<AssistantVersionRecord | undefined> {
  const row = await versionsQuery(db, workspaceId, assistantId).where('v.id', '=', versionId).executeTakeFirst();
  return row && toVersion(row);
}

/** An assistant's versions, newest first; the cursor is the last version's number. */
export async function listAssistantVersions(db: Executor, workspaceId: string, assistantId: string, page: { limit: number; beforeNumber?: number }): Promise<KeysetPage<AssistantVersionRecord>> {
  const rows = await versionsQuery(db, workspaceId, assistantId)
    .$if(page.beforeNumber !== undefined, (qb) => qb.where('v.version_number', '<', page.beforeNumber!))
    .orderBy('v.version_number', 'desc')
    .limit(page.limit + 1)
    .execute();
  return keysetPage(rows, page.limit, toVersion);
}

export async function setCurrentAssistantVersion(db: Executor, workspaceId: string, assistantId: string, versionId: string): Promise<void> {
  await db.updateTable('assistants').set({ current_version_id: versionId }).where('workspace_id', '=', workspaceId).where('identity_id', '=', assistantId).execute();
}

/** Takes the assistant's row lock, so versions of one assistant are numbered one after another. */
export async function lockAssistant(db: Executor, workspaceId: string, assistantId: string): Promise<boolean> {
  const row = await db.selectFrom('assistants').select('identity_id').where('workspace_id', '=', workspaceId).where('identity_id', '=', assistantId).forUpdate().executeTakeFirst();
  return row !== undefined;
}

// ---- squads ----

export interface SquadRecord {
  id: string;
  name: string;
  description: string | null;
  pictureUrl: string | null;
  assistants: Array<{ id: string; memberId: number; name: string }>;
  createdAt: Date;
}

function squadsQuery(db: Executor, workspaceId: string) {
  return db
    .selectFrom('squads as s')
    .innerJoin('identities as i', 'i.id', 's.identity_id')
    .select((eb) => [
      'i.id', 'i.display_name', 's.description', 'i.picture_url', 's.created_at',
      sql<Array<{ id: string; memberId: number; name: string }> | null>`(${eb
        .selectFrom('squad_assistants as sa')
        .innerJoin('identities as ai', 'ai.id', 'sa.assistant_id')
        .innerJoin('members as am', 'am.identity_id', 'sa.assistant_id')
        .select(sql`json_agg(json_build_object('id', ai.id, 'memberId', am.id, 'name', ai.display_name) order by ai.display_name, ai.id)`.as('list'))
        .whereRef('sa.squad_id', '=', 's.identity_id')})`.as('assistants'),
    ])
    .where('s.workspace_id', '=', workspaceId);
}

type SquadRow = Awaited<ReturnType<ReturnType<typeof squadsQuery>['executeTakeFirstOrThrow']>>;

function toSquad(r: SquadRow): SquadRecord {
  const assistants = typeof r.assistants === 'string' ? JSON.parse(r.assistants) : r.assistants;
  return { id: r.id, name: r.display_name, description: r.description, pictureUrl: r.picture_url, assistants: (assistants ?? []).map((a: { id: string; memberId: number | string; name: string }) => ({ ...a, memberId: Number(a.memberId) })), createdAt: r.created_at };
}

export async function findSquad(db: Executor, workspaceId: string, id: string): Promise<SquadRecord | undefined> {
  const row = await squadsQuery(db, workspaceId).where('s.identity_id', '=', id).executeTakeFirst();
  return row && toSquad(row);
}

export async function listSquads(db: Executor, workspaceId: string, page: KeysetPageRequest): Promise<KeysetPage<SquadRecord>> {
  const rows = await squadsQuery(db, workspaceId)
    .$if(page.search !== undefined, (qb) => qb.where('i.display_name', 'ilike', containsPattern(page.search!)))
    .$if(page.after !== undefined, (qb) => qb.where(keysetAfter('i.display_name', 'i.id', page.after!)))
    .orderBy('i.display_name')
    .orderBy('i.id')
    .limit(page.limit + 1)
    .execute();
  return keysetPage(rows, page.limit, toSquad);
}

/** The squad's assistants become exactly `assistantIds`. */
export async function setSquadAssistants(db: Executor, squadId: string, assistantIds: string[]): Promise<void> {
  await db.deleteFrom('squad_assistants').where('squad_id', '=', squadId).execute();
  if (assistantIds.length > 0) await db.insertInto('squad_assistants').values(assistantIds.map((assistantId) => ({ squad_id: squadId, assistant_id: assistantId }))).execute();
}

/** Which of `ids` are assistants of the workspace. */
export async function existingAssistantIds(db: Executor, workspaceId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom('assistants').select('identity_id').where('workspace_id', '=', workspaceId).where('identity_id', 'in', ids).execute();
  return new Set(rows.map((r) => r.identity_id));
}
