import { type ChatbotChannelRecord, type ChatbotRecord, type Executor, findChatbot, listChatbotChannels } from '@parley/db';
import type { Principal } from '../auth.js';
import { AppError } from '../errors.js';
import { isUuid } from '../input.js';

// The chatbot of a statistics path: an assistant of the caller's workspace, addressed by its identity id.
// The group resolves it once per request (requireChatbot) and hands the record to the service it calls.


/**
 * The chatbot `chatbotId` names. A malformed id, an unknown one, another workspace's assistant or an
 * identity that is no assistant are all the same 404.
 */
export async function requireChatbot(db: Executor, principal: Principal, chatbotId: string): Promise<ChatbotRecord> {
  const id = chatbotId.toLowerCase();
  const chatbot = isUuid(id) ? await findChatbot(db, principal.workspaceId, id) : undefined;
  if (!chatbot) throw AppError.notFound('Chatbot');
  return chatbot;
}

/** The channels the chatbot answers on: as their responder, or as a member of the responding squad. */
export async function chatbotChannels(db: Executor, chatbot: ChatbotRecord): Promise<ChatbotChannelRecord[]> {
  return listChatbotChannels(db, chatbot.workspaceId, chatbot.id);
}
