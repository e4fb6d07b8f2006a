import type { ExpressionBuilder } from 'kysely';
import type { Executor } from '../executor.js';
import type { ChannelType, Database } from '../schema.js';

// The chatbots of the statistics group (seed 003): assistants addressed by their identity id, and the
// channels they answer on.

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
