import { type AssistantChannelRecord, type ReportedAssistant, type Executor, findReportedAssistant, listAssistantChannels } from '@parley/db';
import type { Principal } from '../auth.js';
import { AppError } from '../errors.js';
import { isUuid } from '../input.js';

// The assistant of a statistics path: an assistant of the caller's workspace, addressed by its identity id.
// The group resolves it once per request (requireReportedAssistant) and hands the record to the service it calls.


/**
 * The assistant `assistantId` names. A malformed id, an unknown one, another workspace's assistant or an
 * identity that is no assistant are all the same 404.
 */
export async function requireReportedAssistant(db: Executor, principal: Principal, assistantId: string): Promise<ReportedAssistant> {
  const id = assistantId.toLowerCase();
  const assistant = isUuid(id) ? await findReportedAssistant(db, principal.workspaceId, id) : undefined;
  if (!assistant) throw AppError.notFound('Chatbot');
  return assistant;
}

/** The channels the assistant answers on: as their responder, or as a member of the responding squad. */
export async function assistantChannels(db: Executor, assistant: ReportedAssistant): Promise<AssistantChannelRecord[]> {
  return listAssistantChannels(db, assistant.workspaceId, assistant.id);
}
