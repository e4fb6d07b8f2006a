import { randomUUID } from 'node:crypto';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import {
  commonJs,
  type ActionChatRecord,
  type ChatReach,
  type ChatMessageRecord,
  type ChatParticipantRecord,
  deleteParticipant,
  type ChatToolRecord,
  type Database,
  type DeliveryStatus,
  type Executor,
  findActionChat,
  findChatMessage,
  findMember,
  insertChatMessages,
  insertDelivery,
  insertParticipant,
  listChatMessages,
  listChatTools,
  listLabels,
  listParticipants,
  listWorkspaceChats,
  type NewChatMessage,
  type ParticipantRole,
  setChatSummary,
  setMessageDelivery,
  setMessageRating,
  updateDelivery,
  type WorkspaceChatRecord,
} from '@parley/db';
import type { Kysely } from 'kysely';
import type { Principal } from './auth.js';
import { decodeCursor, encodeCursor, isRowNumber, isTimestampText } from './cursors.js';
import { AppError, type ErrorIssue } from './errors.js';
import { type Outcome, reviveDates, withIdempotency } from './idempotency.js';
import { type EmailMessage, ProviderError, type Providers, type SmsMessage, type TranscriptMessage } from './providers/ports.js';
import { chatEvent, recordEvent } from './events/log.js';
import { chatReach } from './policy.js';

// Chat actions (seed 004) on a v2 chat, addressed by its integer id: participants, the assistant's
// messages with tool calls and their delivery over SMS or email, summaries with labels, the history.
// Each route declares the scope it needs; every action finds its chat within the caller's reach
// (policy.ts), so a chat outside it is a 404 whatever the action.

type Db = Kysely<Database>;

async function requireChat(db: Executor, principal: Principal, chatNumber: number, options: { lock?: boolean } = {}): Promise<ActionChatRecord> {
  const chat = await findActionChat(db, chatReach(principal), chatNumber, options);
  if (!chat) throw AppError.notFound('Chat');
  return chat;
}

// ---- participants ----

/**
 * Adds a member to a chat the caller can already see: a participant is never a way into a chat. With an
 * Idempotency-Key, a retry answers the first request's participant instead of "already a participant".
 */
export async function addParticipant(
  db: Db,
  principal: Principal,
  chatNumber: number,
  input: { memberId: number; role: ParticipantRole },
  idempotencyKey?: string,
): Promise<{ value: { participantId: number }; replayed: boolean }> {
  const scope = { principal, key: idempotencyKey, operation: `add-participant:${chatNumber}`, request: input };
  return withIdempotency(db, scope, (stored) => stored as { participantId: number }, async (record) => {
    const chat = await requireChat(db, principal, chatNumber);
    const member = await findMember(db, principal.workspaceId, input.memberId);
    if (!member) throw AppError.notFound('Member');
    if (member.kind !== 'user') {
      throw new AppError('validation_failed', 'Only workspace users can be participants, not assistants', { issues: [{ path: 'body.memberId', message: 'is an assistant' }] });
    }
    return db.transaction().execute(async (trx) => {
      const row = await insertParticipant(trx, { chatId: chat.id, memberId: member.id, role: input.role });
      if (!row) {
        throw new AppError('bad_request', `Member ${member.id} is already a participant of chat ${chat.number}`, { issues: [{ path: 'body.memberId', message: 'is already a participant' }] });
      }
      await recordEvent(trx, chatEvent('participant.added', chat, { participant: { id: row.id, memberId: member.id, identityId: member.identityId, role: input.role } }));
      const outcome: Outcome<{ participantId: number }> = { ok: true, value: { participantId: row.id } };
      await record(trx, outcome);
      return outcome;
    });
  });
}

/** The chat's participants, in the order they were added. */
export async function listChatParticipants(db: Executor, principal: Principal, chatNumber: number): Promise<ChatParticipantRecord[]> {
  const chat = await requireChat(db, principal, chatNumber);
  return listParticipants(db, chat.id);
}

/** Removes a participant of the chat; 404 for one that is not the chat's. */
export async function removeChatParticipant(db: Db, principal: Principal, chatNumber: number, participantId: number): Promise<void> {
  const chat = await requireChat(db, principal, chatNumber);
  await db.transaction().execute(async (trx) => {
    const removed = await deleteParticipant(trx, chat.id, participantId);
    if (!removed) throw AppError.notFound('Participant');
    const member = await findMember(trx, chat.workspaceId, removed.memberId);
    await recordEvent(trx, chatEvent('participant.removed', chat, { participant: { id: participantId, memberId: removed.memberId, identityId: member?.identityId ?? null, role: removed.role } }));
  });
}

// ---- tools ----

export async function chatTools(db: Executor, principal: Principal, chatNumber: number): Promise<ChatToolRecord[]> {
  const chat = await requireChat(db, principal, chatNumber);
  return listChatTools(db, chat.id);
}

// ajv is loaded when a tool call is first checked: the request paths without tool calls do not pay for it at cold start.
let ajv: Promise<Ajv> | undefined;
export const loadAjv = () => (ajv ??= import('ajv').then(commonJs).then(({ Ajv }) => new Ajv({ allErrors: true, strict: false })));
const validators = new Map<string, ValidateFunction>();

/** The tool's compiled input schema, cached per tool and schema. */
async function validatorFor(tool: ChatToolRecord): Promise<ValidateFunction> {
  const cacheKey = `${tool.id}:${JSON.stringify(tool.inputSchema)}`;
  let validate = validators.get(cacheKey);
  if (!validate) {
    const compiler = await loadAjv();
    try {
      validate = compiler.compile(tool.inputSchema);
    } catch (err) {
      throw new AppError('internal', `Tool "${tool.name}" has an invalid input schema: ${(err as Error).message}`);
    }
    if (validators.size > 500) validators.clear();
    validators.set(cacheKey, validate);
  }
  return validate;
}

function schemaIssues(base: string, errors: ErrorObject[] | null | undefined): ErrorIssue[] {
  return (errors ?? []).map((e) => {
    const pointer = e.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const missing = e.keyword === 'required' ? [String((e.params as { missingProperty?: string }).missingProperty)] : [];
    const extra = e.keyword === 'additionalProperties' ? [String((e.params as { additionalProperty?: string }).additionalProperty)] : [];
    const path = [base, ...pointer, ...missing, ...extra].join('.');
    return { path, message: e.keyword === 'additionalProperties' ? 'is not a known argument' : e.keyword === 'required' ? 'is required' : (e.message ?? 'is invalid') };
  });
}

export interface ToolCallInput {
  id?: string;
  name: string;
  arguments: Record<string, unknown>;
}

/** Checks every call against the chat's tools and their schemas before any runs; all problems at once. */
async function planToolCalls(tools: ChatToolRecord[], calls: ToolCallInput[]): Promise<Array<{ tool: ChatToolRecord; call: Required<ToolCallInput> }>> {
  const byName = new Map(tools.map((t) => [t.name, t]));
  const issues: ErrorIssue[] = [];
  const ids = new Set<string>();
  const compiled = new Map<string, ValidateFunction>();
  for (const call of calls) {
    const tool = byName.get(call.name);
    if (tool && !compiled.has(tool.name)) compiled.set(tool.name, await validatorFor(tool));
  }
  const plan = calls.map((call, i) => {
    const id = call.id ?? `call_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
    if (ids.has(id)) issues.push({ path: `body.tool_calls.${i}.id`, message: 'repeats an earlier call id' });
    ids.add(id);
    const tool = byName.get(call.name);
    if (!tool) {
      issues.push({ path: `body.tool_calls.${i}.name`, message: `is not a tool of this chat${tools.length ? ` (tools: ${tools.map((t) => t.name).join(', ')})` : ' (it has none)'}` });
      return undefined;
    }
    const validate = compiled.get(tool.name)!;
    if (!validate(call.arguments)) issues.push(...schemaIssues(`body.tool_calls.${i}.arguments`, validate.errors));
    return { tool, call: { id, name: call.name, arguments: call.arguments } };
  });
  if (issues.length > 0) throw new AppError('validation_failed', issues.map((i) => `${i.path}: ${i.message}`).join('; '), { issues });
  return plan.filter((p) => p !== undefined);
}

// ---- sending as the assistant ----

/** All tool calls of one request share this budget, so the request ends within the API gateway's 29 s. */
export const TOOL_CALLS_BUDGET_MS = 20_000;

/** Twilio's limit for one message body (it splits into segments itself). */
export const MAX_SMS_CHARS = 1600;

export interface SentMessage {
  message: ChatMessageRecord;
  toolResults: ChatMessageRecord[];
  delivery: { channel: 'sms' | 'email'; provider: string; recipient: string; status: DeliveryStatus; providerMessageId: string | null };
}

interface DeliveryPlan {
  channel: 'sms' | 'email';
  recipient: string;
}

/** Where the chat's messages go, or the seed's 400 when they cannot go anywhere. */
function deliveryPlan(chat: ActionChatRecord, message: string): DeliveryPlan {
  if (!chat.channelType) throw new AppError('bad_request', `Chat ${chat.number} has no channel to deliver on; only sms and email chats can receive assistant messages`);
  if (chat.channelType !== 'sms' && chat.channelType !== 'email') {
    throw new AppError('bad_request', `Chat ${chat.number} is on a ${chat.channelType} channel, which cannot deliver assistant messages; only sms and email chats can`);
  }
  if (chat.channelConfig.notificationsEnabled === false) throw new AppError('bad_request', `Notifications are disabled on the channel of chat ${chat.number}`);
  if (chat.ownerBlocked) throw new AppError('bad_request', `The owner of chat ${chat.number} is blocked`);
  if (chat.channelType === 'sms') {
    if (!chat.ownerPhone) throw new AppError('bad_request', `The owner of chat ${chat.number} has no phone number`);
    if (message.length > MAX_SMS_CHARS) {
      throw new AppError('validation_failed', `SMS messages are limited to ${MAX_SMS_CHARS} characters`, { issues: [{ path: 'body.message', message: `must be at most ${MAX_SMS_CHARS} characters on an sms chat` }] });
    }
    return { channel: 'sms', recipient: chat.ownerPhone };
  }
  if (!chat.ownerEmail) throw new AppError('bad_request', `The owner of chat ${chat.number} has no email address`);
  return { channel: 'email', recipient: chat.ownerEmail };
}

/** The agent answering the chat: the squad's current one, or the chat's own agent. */
function assistantOf(chat: ActionChatRecord): string {
  const id = chat.currentResponderId ?? (chat.responderKind === 'agent' ? chat.responderId : null);
  if (!id) throw new AppError('not_found', `Assistant not found: no assistant is answering chat ${chat.number} yet`);
  return id;
}

const reviveMessage = (m: unknown) => reviveDates<ChatMessageRecord>(m, ['createdAt']);

function reviveSent(stored: unknown): SentMessage {
  const s = stored as SentMessage;
  return { ...s, message: reviveMessage(s.message), toolResults: s.toolResults.map(reviveMessage) };
}

/**
 * Runs the tool calls, records their results and the assistant's message, and delivers it on the chat's
 * channel, holding the chat's row lock from recording to delivery so concurrent sends to one chat are
 * recorded and delivered in one order. A failed delivery keeps the message (status `failed`) and
 * answers 500 with the provider's reason.
 */
export async function sendAssistantMessage(
  db: Db,
  providers: Providers,
  principal: Principal,
  chatNumber: number,
  input: { message: string; toolCalls: ToolCallInput[] },
  idempotencyKey?: string,
): Promise<{ value: SentMessage; replayed: boolean }> {
  const scope = { principal, key: idempotencyKey, operation: `send-assistant-message:${chatNumber}`, request: input };
  return withIdempotency(db, scope, reviveSent, async (record): Promise<Outcome<SentMessage>> => {
    const chat = await requireChat(db, principal, chatNumber);
    const plan = deliveryPlan(chat, input.message);
    const authorId = assistantOf(chat);
    const calls = await planToolCalls(input.toolCalls.length ? await listChatTools(db, chat.id) : [], input.toolCalls);

    // Tools run before anything is recorded: a failing tool leaves the chat as it was, and nothing is sent.
    const results: NewChatMessage[] = [];
    const deadline = Date.now() + TOOL_CALLS_BUDGET_MS;
    for (const { tool, call } of calls) {
      const left = deadline - Date.now();
      if (left <= 0) throw new AppError('internal', `Tool calls took longer than ${TOOL_CALLS_BUDGET_MS / 1000} s; "${call.name}" did not run. Nothing was recorded or sent.`);
      let result: unknown;
      try {
        result = await providers.tools.invoke({ ...tool, maxTimeoutMs: left }, { ...call, context: { workspaceId: chat.workspaceId, chatId: chat.number, chatUuid: chat.id } });
      } catch (err) {
        const reason = err instanceof ProviderError ? err.reason : (err as Error).message;
        throw new AppError('internal', `Tool "${call.name}" failed: ${reason}. Nothing was recorded or sent.`, { cause: err });
      }
      results.push({ role: 'tool', content: JSON.stringify(result), authorId: null, parts: [{ type: 'tool-result', toolCallId: call.id, toolName: call.name, result }] });
    }

    // On PGlite (one connection) the transaction holds the whole database for the provider's answer; the
    // outbox answers at once, and real providers run on Postgres, where only this chat's row waits.
    return db.transaction().execute(async (trx) => {
      const locked = await requireChat(trx, principal, chatNumber, { lock: true });
      const written = await insertChatMessages(
        trx,
        { workspaceId: locked.workspaceId, chatId: locked.id },
        [...results, { role: 'assistant', content: input.message, authorId, toolCalls: calls.map((c) => c.call), deliveryStatus: 'pending' }],
        { needsResponse: false },
      );
      const assistant = written.at(-1)!;
      const toolResults = written.slice(0, -1);
      const envelope = await composeDelivery(plan, locked, input.message);
      const sender = envelope.channel === 'sms' ? providers.sms : providers.email;
      const delivery = await insertDelivery(trx, {
        workspaceId: locked.workspaceId,
        chatId: locked.id,
        messageId: assistant.id,
        channel: envelope.channel,
        provider: sender.provider,
        recipient: plan.recipient,
        payload: { ...envelope.payload },
      });
      const result = await deliver(providers, envelope);
      await updateDelivery(trx, delivery.id, result);
      await setMessageDelivery(trx, assistant.id, result.status, result.error);
      const message = { ...assistant, deliveryStatus: result.status, deliveryError: result.error };
      const outcome: Outcome<SentMessage> =
        result.status === 'failed'
          ? {
              ok: false,
              error: {
                code: 'internal',
                message: `Failed to send ${envelope.channel === 'sms' ? 'SMS' : 'email'} via ${sender.provider}: ${result.error}. The message was kept as ${message.id} with delivery status failed.`,
              },
            }
          : {
              ok: true,
              value: {
                message,
                toolResults,
                delivery: { channel: envelope.channel, provider: sender.provider, recipient: plan.recipient, status: result.status, providerMessageId: result.providerMessageId },
              },
            };
      await record(trx, outcome);
      return outcome;
    });
  });
}

type Envelope = { channel: 'sms'; payload: SmsMessage } | { channel: 'email'; payload: EmailMessage };

/** What goes to the provider: the text for SMS; for email a subject and the markdown as text and HTML. */
async function composeDelivery(plan: DeliveryPlan, chat: ActionChatRecord, message: string): Promise<Envelope> {
  if (plan.channel === 'sms') return { channel: 'sms', payload: { to: plan.recipient, body: message } };
  const subject = chat.title ? `Re: ${chat.title}` : `A message from ${chat.assistantName ?? 'your assistant'}`;
  // The markdown renderer is loaded for the first email only: the other request paths do not pay for it at cold start.
  const { emailHtml } = await import('./markdown.js');
  return { channel: 'email', payload: { to: plan.recipient, subject, text: message, html: emailHtml(message) } };
}

/** Hands the message to its provider; a refusal is a result (`failed` with the reason), not an exception. */
async function deliver(providers: Providers, envelope: Envelope): Promise<{ status: DeliveryStatus; providerMessageId: string | null; error: string | null }> {
  try {
    const sent = envelope.channel === 'sms' ? await providers.sms.send(envelope.payload) : await providers.email.send(envelope.payload);
    return { status: sent.status, providerMessageId: sent.providerMessageId, error: null };
  } catch (err) {
    const reason = err instanceof ProviderError ? err.reason : (err as Error)?.message || String(err);
    return { status: 'failed', providerMessageId: null, error: reason };
  }
}

// ---- messages arriving from a channel ----

export type IncomingRole = 'user' | 'assistant' | 'note';

/** A message from the chat's channel, with what the statistics read of it (language, intent, step) and its usage. */
export interface IncomingMessage {
  role: IncomingRole;
  content: string;
  createdAt?: Date;
  /** The detected language: it becomes the chat's (the conversation's) language. */
  language?: string;
  intent?: { name: string; score?: number | null };
  step?: string;
  model?: string;
  usage?: { inputTokens?: number; outputTokens?: number; reasoningTokens?: number; cachedInputTokens?: number };
}

/**
 * Records a message that arrived on the chat's channel (or a team note). A user message marks the chat
 * as waiting for an answer; an assistant message marks it answered; a note changes neither.
 */
export async function recordChatMessage(
  db: Db,
  principal: Principal,
  chatNumber: number,
  input: IncomingMessage,
  idempotencyKey?: string,
): Promise<{ value: ChatMessageRecord; replayed: boolean }> {
  const scope = { principal, key: idempotencyKey, operation: `record-message:${chatNumber}`, request: { ...input, createdAt: input.createdAt?.toISOString() } };
  return withIdempotency(db, scope, reviveMessage, async (record) =>
    db.transaction().execute(async (trx) => {
      const chat = await requireChat(trx, principal, chatNumber, { lock: true });
      const authorId = input.role === 'user' ? chat.ownerId : input.role === 'assistant' ? assistantOf(chat) : principal.memberIdentityId;
      const [message] = await insertChatMessages(
        trx,
        { workspaceId: chat.workspaceId, chatId: chat.id },
        [
          {
            role: input.role,
            content: input.content,
            authorId,
            createdAt: input.createdAt,
            intentName: input.intent?.name,
            intentScore: input.intent?.score ?? null,
            step: input.step,
            model: input.model,
            inputTokens: input.usage?.inputTokens,
            outputTokens: input.usage?.outputTokens,
            reasoningTokens: input.usage?.reasoningTokens,
            cachedInputTokens: input.usage?.cachedInputTokens,
          },
        ],
        { needsResponse: input.role === 'user' ? true : input.role === 'assistant' ? false : undefined, language: input.language },
      );
      const outcome: Outcome<ChatMessageRecord> = { ok: true, value: message! };
      await record(trx, outcome);
      return outcome;
    }),
  );
}

// ---- history and ratings ----

export interface MessageHistoryQuery {
  limit: number;
  order: 'asc' | 'desc';
  cursor?: string;
}

function encodeMessageCursor(principal: Principal, order: 'asc' | 'desc', m: ChatMessageRecord): string {
  return encodeCursor(principal.workspaceSecret, 'chat-messages', { o: order, t: m.createdAtText, n: m.number });
}

/** A position: the order, created_at as Postgres prints it (microseconds kept) and the message number. */
function messageCursorShape(position: unknown): { o: 'asc' | 'desc'; t: string; n: number } | undefined {
  if (typeof position !== 'object' || position === null) return undefined;
  const { o, t, n } = position as Record<string, unknown>;
  return (o === 'asc' || o === 'desc') && isTimestampText(t) && isRowNumber(n) ? { o, t, n } : undefined;
}

function decodeMessageCursor(principal: Principal, cursor: string, order: 'asc' | 'desc') {
  const payload = decodeCursor(principal.workspaceSecret, 'chat-messages', cursor, 'query.cursor', messageCursorShape);
  if (payload.o !== order) {
    const message = 'was issued for the other order; keep order unchanged while paging';
    throw new AppError('validation_failed', `Invalid cursor: ${message}`, { issues: [{ path: 'query.cursor', message }] });
  }
  return { createdAt: payload.t, number: payload.n };
}

export async function chatMessageHistory(
  db: Executor,
  principal: Principal,
  chatNumber: number,
  query: MessageHistoryQuery,
): Promise<{ items: ChatMessageRecord[]; hasMore: boolean; nextCursor: string | null }> {
  const chat = await requireChat(db, principal, chatNumber);
  const cursor = query.cursor ? decodeMessageCursor(principal, query.cursor, query.order) : undefined;
  const page = await listChatMessages(db, chat.id, { limit: query.limit, order: query.order, cursor });
  const last = page.items.at(-1);
  return { ...page, nextCursor: page.hasMore && last ? encodeMessageCursor(principal, query.order, last) : null };
}

/** Rates an assistant message: 1 (helpful) or -1 (not helpful); null clears the rating. */
export async function rateChatMessage(db: Executor, principal: Principal, chatNumber: number, messageId: string, rating: 1 | -1 | null): Promise<ChatMessageRecord> {
  const chat = await requireChat(db, principal, chatNumber);
  const message = await findChatMessage(db, chat.id, messageId);
  if (!message) throw AppError.notFound('Message');
  if (message.role !== 'assistant') {
    throw new AppError('bad_request', `Only assistant messages can be rated; this one is a ${message.role} message`, { issues: [{ path: 'path.uuid', message: `is a ${message.role} message` }] });
  }
  return (await setMessageRating(db, chat.id, messageId, rating))!;
}

// ---- summaries ----

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
  const page = await listWorkspaceChats(db, { reach, chatNumber }, { field: 'createdAt', order: 'desc' }, { offset: 0, limit: 1 });
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
  const chat = await requireChat(db, principal, chatNumber);
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
      await requireChat(trx, principal, chatNumber, { lock: true });
      await setChatSummary(trx, { workspaceId: chat.workspaceId, chatId: chat.id }, { summary: result.summary.trim(), title, labelIds });
      const outcome: Outcome<WorkspaceChatRecord> = { ok: true, value: await findWorkspaceChat(trx, chatReach(principal), chatNumber) };
      await record(trx, outcome);
      return outcome;
    });
  });
}
