import {
  type ChatReach,
  type Database,
  type Executor,
  listChatMessages,
  listLabels,
  listWorkspaceChatRecords,
  setChatSummary,
  type WorkspaceChatRecord,
} from '@parley/db';
import type { Kysely } from 'kysely';
import type { Principal } from './auth.js';
import { changeEvents, requireActionChat } from './chats/workspace.js';
import { AppError } from './errors.js';
import { chatEvent, recordEvents } from './events/log.js';
import { type Outcome, reviveDates, withIdempotency } from './idempotency.js';
import { chatReach } from './policy.js';
import { ProviderError, type Providers, type TranscriptMessage } from './providers/ports.js';

// Summaries of a v2 chat: a summary and a new title from its conversation, and optionally its labels.

type Db = Kysely<Database>;

/** Messages read for a summary at most; the budget in characters usually binds first. */
const SUMMARY_MAX_MESSAGES = 1000;
/** One very long message must not crowd out the rest of the chat. */
const SUMMARY_MAX_MESSAGE_CHARS = 4000;
const MAX_TITLE_CHARS = 200;

/** The latest messages that fit `budget` characters, oldest first, and how many earlier ones were left out. */
export function transcriptWindow(newestFirst: Array<{ role: string; content: string; createdAt: Date }>, budget: number, totalMessages: number) {
  const picked: TranscriptMessage[] = [];
  let used = 0;
  for (const m of newestFirst) {
    const content = m.content.length > SUMMARY_MAX_MESSAGE_CHARS ? `${m.content.slice(0, SUMMARY_MAX_MESSAGE_CHARS)}…` : m.content;
    const cost = content.length + 40; // the role and time prefix of a transcript line
    if (picked.length > 0 && used + cost > budget) break;
    picked.push({ role: m.role as TranscriptMessage['role'], content: content.length > budget ? content.slice(0, budget) : content, createdAt: m.createdAt });
    used += cost;
  }
  return { messages: picked.reverse(), omittedMessages: totalMessages - picked.length };
}

async function findWorkspaceChat(db: Executor, reach: ChatReach, chatNumber: number): Promise<WorkspaceChatRecord> {
  const page = await listWorkspaceChatRecords(db, { reach, chatNumber }, { field: 'createdAt', order: 'desc' }, { offset: 0, limit: 1 });
  const chat = page.items[0];
  if (!chat) throw AppError.notFound('Chat');
  return chat;
}

const reviveChat = (c: unknown) => reviveDates<WorkspaceChatRecord>(c, ['summaryUpdatedAt', 'lastMessageAt', 'createdAt', 'updatedAt']);

/**
 * Summarises the chat's conversation (user and assistant messages, plus team notes for an AI summariser)
 * into a summary and a new title; with `updateLabels`, the chat's labels become those the summariser
 * picked from the workspace's definitions. A failing summariser leaves the chat unchanged (500).
 */
export async function summarizeChat(
  db: Db,
  providers: Providers,
  principal: Principal,
  chatNumber: number,
  input: { updateLabels: boolean },
  idempotencyKey?: string,
): Promise<{ value: WorkspaceChatRecord; replayed: boolean }> {
  const chat = await requireActionChat(db, principal, chatNumber);
  const scope = { principal, key: idempotencyKey, operation: `summarize:${chatNumber}`, request: input };
  return withIdempotency(db, scope, reviveChat, async (record) => {
    const page = await listChatMessages(db, chat.id, { limit: SUMMARY_MAX_MESSAGES, order: 'desc', roles: ['user', 'assistant', 'note'] });
    if (page.items.length === 0) throw new AppError('bad_request', `Chat ${chat.number} has no messages to summarize`);
    const total = page.hasMore ? page.items.length + 1 : page.items.length;
    const window = transcriptWindow(page.items, providers.summaryMaxInputChars, total);
    const labels = input.updateLabels ? await listLabels(db, principal.workspaceId) : undefined;
    let result;
    try {
      result = await providers.summarizer.summarize({ title: chat.title, ...window, labels });
    } catch (err) {
      const reason = err instanceof ProviderError ? err.reason : (err as Error).message;
      throw new AppError('internal', `AI summarization failed: ${reason}. The chat was not changed.`, { cause: err });
    }
    const title = result.title.trim().slice(0, MAX_TITLE_CHARS) || chat.title || `Chat ${chat.number}`;
    const wanted = new Set(result.labels.map((n) => n.trim().toLowerCase()));
    const labelIds = labels?.filter((l) => wanted.has(l.name.toLowerCase())).map((l) => l.id);
    return db.transaction().execute(async (trx) => {
      await requireActionChat(trx, principal, chatNumber, { lock: true });
      const before = await findWorkspaceChat(trx, chatReach(principal), chatNumber);
      await setChatSummary(trx, { workspaceId: chat.workspaceId, chatId: chat.id }, { summary: result.summary.trim(), title, labelIds });
      const after = await findWorkspaceChat(trx, chatReach(principal), chatNumber);
      // chat.updated with the fields that changed (title, summary, labels), and summary.updated whatever changed.
      await recordEvents(trx, [
        ...changeEvents(chat.workspaceId, before, after),
        chatEvent('summary.updated', chat, { summary: after.summary, title: after.title, labels: after.labels }),
      ]);
      const outcome: Outcome<WorkspaceChatRecord> = { ok: true, value: after };
      await record(trx, outcome);
      return outcome;
    });
  });
}
