import { type ChatbotChannelRecord, type ChatbotRecord, type Executor, findChatbot, listChatbotChannels } from '@parley/db';
import type { Principal } from '../auth.js';
import { AppError } from '../errors.js';

// The chatbot of a statistics path: an assistant of the caller's workspace, addressed by its identity id.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The chatbot `chatbotId` names. A malformed id, an unknown one, another workspace's assistant or an
 * identity that is no assistant are all the same 404.
 */
export async function requireChatbot(db: Executor, principal: Principal, chatbotId: string): Promise<ChatbotRecord> {
  // A principal lives for one request: the group's middleware and the service it calls share the lookup.
  const known = resolved.get(principal) ?? resolved.set(principal, new Map()).get(principal)!;
  const id = chatbotId.toLowerCase();
  let chatbot = known.get(id);
  if (!chatbot) {
    chatbot = UUID.test(id) ? await findChatbot(db, principal.workspaceId, id) : undefined;
    if (chatbot) known.set(id, chatbot);
  }
  if (!chatbot) throw AppError.notFound('Chatbot');
  return chatbot;
}

const resolved = new WeakMap<Principal, Map<string, ChatbotRecord>>();

/** The channels the chatbot answers on: as their responder, or as a member of the responding squad. */
export async function chatbotChannels(db: Executor, principal: Principal, chatbotId: string): Promise<ChatbotChannelRecord[]> {
  const chatbot = await requireChatbot(db, principal, chatbotId);
  return listChatbotChannels(db, principal.workspaceId, chatbot.id);
}
