import type { ExpressionBuilder } from 'kysely';
import type { Executor } from '../executor.js';
import type { ChannelType, Database } from '../schema.js';
import { insertIdentity } from './members.js';

// Assistants: an identity with a member row and numbered versions; squads of assistants; and the channels an
// assistant answers on (the statistics group addresses assistants by identity id, as its chatbots).

export interface ChatbotRecord {
  /** The assistant's identity id. */
  id: string;
  workspaceId: string;
  name: string;
  /** The workspace's IANA time zone: statistics are bucketed in it unless a request names another. */
  timeZone: string;
}

/** An assistant of the workspace, or undefined (another workspace's, a user, a squad, an unknown id). */
export async function findChatbot(db: Executor, workspaceId: string, id: string): Promise<ChatbotRecord | undefined> {
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

export interface ChatbotChannelRecord {
  id: string;
  type: ChannelType;
  name: string;
  isEnabled: boolean;
  createdAt: Date;
}

/** The channel is answered by the chatbot: it is the channel's responder, or belongs to the responding squad. */
function answeredBy(chatbotId: string) {
  return (eb: ExpressionBuilder<Database, 'channels'>) =>
    eb.or([
      eb('channels.responder_id', '=', chatbotId),
      eb('channels.responder_id', 'in', eb.selectFrom('squad_assistants').select('squad_assistants.squad_id').where('squad_assistants.assistant_id', '=', chatbotId)),
    ]);
}

/**
 * The channels of the workspace the chatbot answers on: those it is the responder of, and those of a
 * squad it belongs to. By name, then id.
 */
export async function listChatbotChannels(db: Executor, workspaceId: string, chatbotId: string): Promise<ChatbotChannelRecord[]> {
  const rows = await db
    .selectFrom('channels')
    .select(['id', 'type', 'name', 'is_enabled', 'created_at'])
    .where('workspace_id', '=', workspaceId)
    .where(answeredBy(chatbotId))
    .orderBy('name')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, type: r.type, name: r.name, isEnabled: r.is_enabled, createdAt: r.created_at }));
}

/** Whether the chatbot answers on the channel (as listChatbotChannels lists them). */
export async function chatbotAnswersOnChannel(db: Executor, workspaceId: string, chatbotId: string, channelId: string): Promise<boolean> {
  const row = await db.selectFrom('channels').select('id').where('workspace_id', '=', workspaceId).where('id', '=', channelId).where(answeredBy(chatbotId)).executeTakeFirst();
  return row !== undefined;
}

/** The workspace's assistant that answers the most chats (for the local server's example calls). */
export async function findBusiestChatbot(db: Executor, workspaceId: string): Promise<string | undefined> {
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
