import { type ExpressionBuilder, sql } from 'kysely';
import type { Executor } from '../executor.js';
import { type KeysetPage, type KeysetPageRequest, keysetPage, readKeysetPage } from '../paging.js';
import type { RowOf } from '../rows.js';
import type { ChannelType, Database } from '../schema.js';
import { insertIdentity } from './members.js';

// Assistants: an identity with a member row and numbered versions; squads of assistants; and the channels an
// assistant answers on (the statistics group addresses assistants by identity id, as its chatbots).

export interface ReportedAssistant {
  /** The assistant's identity id. */
  id: string;
  workspaceId: string;
  name: string;
  /** The workspace's IANA time zone: statistics are bucketed in it unless a request names another. */
  timeZone: string;
}

/** An assistant of the workspace, or undefined (another workspace's, a user, a squad, an unknown id). */
export async function findReportedAssistant(db: Executor, workspaceId: string, id: string): Promise<ReportedAssistant | undefined> {
  const row = await db
    .selectFrom('assistants')
    .innerJoin('identities', 'identities.id', 'assistants.identity_id')
    .innerJoin('workspaces', 'workspaces.id', 'assistants.workspace_id')
    .select(['assistants.identity_id', 'assistants.workspace_id', 'identities.display_name', 'workspaces.time_zone'])
    .where('assistants.workspace_id', '=', workspaceId)
    .where('assistants.identity_id', '=', id)
    .executeTakeFirst();
  return row && { id: row.identity_id, workspaceId: row.workspace_id, name: row.display_name, timeZone: row.time_zone };
}

export interface AssistantChannelRecord {
  id: string;
  type: ChannelType;
  name: string;
  isEnabled: boolean;
  createdAt: Date;
}

/** The channel is answered by the assistant: it is the channel's responder, or belongs to the responding squad. */
function answeredBy(assistantId: string) {
  return (eb: ExpressionBuilder<Database, 'channels'>) =>
    eb.or([
      eb('channels.responder_id', '=', assistantId),
      eb('channels.responder_id', 'in', eb.selectFrom('squad_assistants').select('squad_assistants.squad_id').where('squad_assistants.assistant_id', '=', assistantId)),
    ]);
}

/**
 * The channels of the workspace the assistant answers on: those it is the responder of, and those of a
 * squad it belongs to. By name, then id.
 */
export async function listAssistantChannels(db: Executor, workspaceId: string, assistantId: string): Promise<AssistantChannelRecord[]> {
  const rows = await db
    .selectFrom('channels')
    .select(['id', 'type', 'name', 'is_enabled', 'created_at'])
    .where('workspace_id', '=', workspaceId)
    .where(answeredBy(assistantId))
    .orderBy('name')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, type: r.type, name: r.name, isEnabled: r.is_enabled, createdAt: r.created_at }));
}

/** Whether the assistant answers on the channel (as listAssistantChannels lists them). */
export async function assistantAnswersOnChannel(db: Executor, workspaceId: string, assistantId: string, channelId: string): Promise<boolean> {
  const row = await db.selectFrom('channels').select('id').where('workspace_id', '=', workspaceId).where('id', '=', channelId).where(answeredBy(assistantId)).executeTakeFirst();
  return row !== undefined;
}

/** The workspace's assistant that answers the most chats (for the local server's example calls). */
export async function findBusiestAssistant(db: Executor, workspaceId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('chats')
    .select((eb) => [eb.fn.coalesce('current_responder_id', 'responder_id').as('id'), eb.fn.countAll().as('n')])
    .where('workspace_id', '=', workspaceId)
    .groupBy((eb) => eb.fn.coalesce('current_responder_id', 'responder_id'))
    .orderBy('n', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.id ?? undefined;
}

export interface AssistantRecord {
  identityId: string;
  memberId: number;
  name: string;
  currentVersionId: string;
  versionNumber: number;
}

/** An assistant with its member row and a first version (number 1). */
export async function insertAssistant(
  db: Executor,
  input: { workspaceId: string; name: string; pictureUrl?: string | null; description?: string | null; config?: Record<string, unknown> },
): Promise<AssistantRecord> {
  const identityId = await insertIdentity(db, { workspaceId: input.workspaceId, kind: 'agent', displayName: input.name, pictureUrl: input.pictureUrl });
  const member = await db
    .insertInto('members')
    .values({ workspace_id: input.workspaceId, identity_id: identityId, kind: 'assistant', role: 'member' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const config = JSON.stringify(input.config ?? {});
  await db
    .insertInto('assistants')
    .values({ identity_id: identityId, workspace_id: input.workspaceId, description: input.description ?? null, config, current_version_id: null })
    .execute();
  const version = await insertAssistantVersion(db, identityId, input.config ?? {});
  return { identityId, memberId: member.id, name: input.name, currentVersionId: version.id, versionNumber: version.versionNumber };
}

/** Appends the next version of an assistant and makes it current. */
export async function insertAssistantVersion(
  db: Executor,
  assistantId: string,
  config: Record<string, unknown>,
): Promise<{ id: string; versionNumber: number }> {
  const next = await db
    .selectFrom('assistant_versions')
    .select((eb) => eb.fn.coalesce(eb.fn.max('version_number'), eb.lit(0)).as('max'))
    .where('assistant_id', '=', assistantId)
    .executeTakeFirstOrThrow();
  const row = await db
    .insertInto('assistant_versions')
    .values({ assistant_id: assistantId, version_number: Number(next.max) + 1, config: JSON.stringify(config) })
    .returning(['id', 'version_number'])
    .executeTakeFirstOrThrow();
  await db.updateTable('assistants').set({ current_version_id: row.id }).where('identity_id', '=', assistantId).execute();
  return { id: row.id, versionNumber: row.version_number };
}

export async function insertSquad(
  db: Executor,
  input: { workspaceId: string; name: string; pictureUrl?: string | null; assistantIds: string[] },
): Promise<{ identityId: string }> {
  const identityId = await insertIdentity(db, { workspaceId: input.workspaceId, kind: 'squad', displayName: input.name, pictureUrl: input.pictureUrl });
  await db.insertInto('squads').values({ identity_id: identityId, workspace_id: input.workspaceId, description: null }).execute();
  if (input.assistantIds.length > 0) {
    await db
      .insertInto('squad_assistants')
      .values(input.assistantIds.map((assistantId) => ({ squad_id: identityId, assistant_id: assistantId })))
      .execute();
  }
  return { identityId };
}

export async function findAssistantCurrentVersion(db: Executor, assistantId: string): Promise<string | null> {
  const row = await db.selectFrom('assistants').select('current_version_id').where('identity_id', '=', assistantId).executeTakeFirst();
  return row?.current_version_id ?? null;
}

export async function findAssistantVersion(
  db: Executor,
  assistantId: string,
  versionId: string,
): Promise<{ id: string; versionNumber: number } | undefined> {
  const row = await db
    .selectFrom('assistant_versions')
    .select(['id', 'version_number'])
    .where('assistant_id', '=', assistantId)
    .where('id', '=', versionId)
    .executeTakeFirst();
  return row && { id: row.id, versionNumber: row.version_number };
}

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

function toAssistant(r: RowOf<typeof assistantsQuery>): AssistantDirectoryRecord {
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
  return readKeysetPage(assistantsQuery(db, workspaceId), 'i.display_name', 'i.id', page, toAssistant);
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

function toVersion(r: RowOf<typeof versionsQuery>): AssistantVersionRecord {
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

function toSquad(r: RowOf<typeof squadsQuery>): SquadRecord {
  const assistants = typeof r.assistants === 'string' ? JSON.parse(r.assistants) : r.assistants;
  return { id: r.id, name: r.display_name, description: r.description, pictureUrl: r.picture_url, assistants: (assistants ?? []).map((a: { id: string; memberId: number | string; name: string }) => ({ ...a, memberId: Number(a.memberId) })), createdAt: r.created_at };
}

export async function findSquad(db: Executor, workspaceId: string, id: string): Promise<SquadRecord | undefined> {
  const row = await squadsQuery(db, workspaceId).where('s.identity_id', '=', id).executeTakeFirst();
  return row && toSquad(row);
}

export async function listSquads(db: Executor, workspaceId: string, page: KeysetPageRequest): Promise<KeysetPage<SquadRecord>> {
  return readKeysetPage(squadsQuery(db, workspaceId), 'i.display_name', 'i.id', page, toSquad);
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

/** The assistant a squad's chat starts with: its first, in the order the squad lists them (by name). */
export async function findSquadLead(db: Executor, squadId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('squad_assistants as sa')
    .innerJoin('identities as ai', 'ai.id', 'sa.assistant_id')
    .select('ai.id')
    .where('sa.squad_id', '=', squadId)
    .orderBy('ai.display_name')
    .orderBy('ai.id')
    .limit(1)
    .executeTakeFirst();
  return row?.id;
}
