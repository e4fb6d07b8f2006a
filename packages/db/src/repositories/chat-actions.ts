import { type Selectable, sql } from 'kysely';
import type { Executor } from '../executor.js';
import type { ChannelType, ChatToolsTable, DeliveryStatus, MessageRole, MessagesTable, ParticipantRole } from '../schema.js';
import type { ToolCallRecord } from './messages.js';
import { type ChatReach, chatWithinReach } from './chat-reach.js';

// Chat actions (seed 004): the chat a v2 action addresses, its participants, messages, tools, deliveries
// and labels.

/** A v2 chat as the actions need it: its channel and the owner's addresses for delivery. */
export interface ActionChatRecord {
  id: string;
  number: number;
  workspaceId: string;
  title: string | null;
  channelId: string | null;
  channelType: ChannelType | null;
  channelConfig: Record<string, unknown>;
  ownerId: string;
  ownerKind: 'user' | 'contact' | 'agent' | 'squad';
  ownerName: string;
  ownerEmail: string | null;
  ownerPhone: string | null;
  ownerBlocked: boolean;
  responderId: string;
  responderKind: 'user' | 'contact' | 'agent' | 'squad';
  currentResponderId: string | null;
  assistantName: string | null;
  needsResponse: boolean;
}

/**
 * The live chat with integer id `number` within the reach; undefined for chats outside it (other
 * workspaces' too) and removed ones. `lock` takes the chat's row lock until the transaction ends, so
 * writers to one chat queue up.
 */
export async function findActionChat(db: Executor, reach: ChatReach, number: number, options: { lock?: boolean } = {}): Promise<ActionChatRecord | undefined> {
  if (options.lock) {
    const locked = await db.selectFrom('chats').select('chats.id').where(chatWithinReach(reach)).where('chats.number', '=', number).forUpdate().executeTakeFirst();
    if (!locked) return undefined;
  }
  const row = await db
    .selectFrom('chats')
    .leftJoin('channels', 'channels.id', 'chats.channel_id')
    .innerJoin('identities as owner', 'owner.id', 'chats.owner_id')
    .leftJoin('members as owner_member', 'owner_member.identity_id', 'chats.owner_id')
    .leftJoin('contacts as owner_contact', 'owner_contact.identity_id', 'chats.owner_id')
    .innerJoin('identities as responder', 'responder.id', 'chats.responder_id')
    .leftJoin('identities as assistant', (join) => join.on((eb) => eb('assistant.id', '=', eb.fn.coalesce('chats.current_responder_id', 'chats.responder_id'))).on('assistant.kind', '=', 'agent'))
    .select([
      'chats.id', 'chats.number', 'chats.workspace_id', 'chats.title', 'chats.channel_id', 'chats.needs_response',
      'channels.type as channel_type', 'channels.config as channel_config',
      'chats.owner_id', 'owner.kind as owner_kind', 'owner.display_name as owner_name',
      'owner_member.email as member_email', 'owner_member.phone as member_phone',
      'owner_contact.email as contact_email', 'owner_contact.phone as contact_phone', 'owner_contact.is_blocked',
      'chats.responder_id', 'responder.kind as responder_kind', 'chats.current_responder_id', 'assistant.display_name as assistant_name',
    ])
    .where(chatWithinReach(reach))
    .where('chats.number', '=', number)
    .where('chats.is_removed', '=', false)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    number: row.number,
    workspaceId: row.workspace_id,
    title: row.title,
    channelId: row.channel_id,
    channelType: row.channel_type,
    channelConfig: (row.channel_config as Record<string, unknown> | null) ?? {},
    ownerId: row.owner_id,
    ownerKind: row.owner_kind,
    ownerName: row.owner_name,
    ownerEmail: row.owner_kind === 'contact' ? row.contact_email : row.member_email,
    ownerPhone: row.owner_kind === 'contact' ? row.contact_phone : row.member_phone,
    ownerBlocked: row.is_blocked ?? false,
    responderId: row.responder_id,
    responderKind: row.responder_kind,
    currentResponderId: row.current_responder_id,
    assistantName: row.assistant_name,
    needsResponse: row.needs_response,
  };
}

/** Adds a member to a chat (role `contributor` unless named); undefined when the member already takes part. */
export async function insertParticipant(
  db: Executor,
  input: { chatId: string; memberId: number; role?: ParticipantRole; sessionId?: string | null },
): Promise<{ id: number } | undefined> {
  return db
    .insertInto('participants')
    .values({ chat_id: input.chatId, member_id: input.memberId, role: input.role, session_id: input.sessionId ?? null, last_seen_at: null })
    .onConflict((oc) => oc.columns(['chat_id', 'member_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
}

// ---- messages ----

export interface ChatMessageRecord {
  id: string;
  number: number;
  chatId: string;
  authorId: string | null;
  role: MessageRole;
  content: string;
  toolCalls: ToolCallRecord[];
  rating: number | null;
  deliveryStatus: DeliveryStatus | null;
  deliveryError: string | null;
  createdAt: Date;
  /** created_at as Postgres prints it (microseconds kept): the exact value for a cursor. */
  createdAtText: string;
}

export interface NewChatMessage {
  role: MessageRole;
  content: string;
  authorId: string | null;
  toolCalls?: ToolCallRecord[];
  deliveryStatus?: DeliveryStatus | null;
  /** Structured parts; a single text part of `content` when absent. */
  parts?: unknown[];
  /** When the message was written at its source; now (the statement's clock) when absent. */
  createdAt?: Date;
  /** What the statistics read of a message, and the model's usage. */
  intentName?: string | null;
  intentScore?: number | null;
  step?: string | null;
  model?: string | null;
  inputTokens?: number | null;
  outputTokens?: number | null;
  reasoningTokens?: number | null;
  cachedInputTokens?: number | null;
}

const messageColumns = ['id', 'number', 'chat_id', 'author_id', 'role', 'content', 'tool_calls', 'rating', 'delivery_status', 'delivery_error', 'created_at'] as const;

type MessageRow = Pick<Selectable<MessagesTable>, (typeof messageColumns)[number]> & { created_at_text: string };

function toMessage(row: MessageRow): ChatMessageRecord {
  const toolCalls = typeof row.tool_calls === 'string' ? JSON.parse(row.tool_calls) : row.tool_calls;
  return {
    id: row.id,
    number: row.number,
    chatId: row.chat_id,
    authorId: row.author_id,
    role: row.role,
    content: row.content,
    toolCalls: (toolCalls ?? []) as ToolCallRecord[],
    rating: row.rating,
    deliveryStatus: row.delivery_status,
    deliveryError: row.delivery_error,
    createdAt: row.created_at,
    createdAtText: row.created_at_text,
  };
}

/**
 * Appends messages to a chat in the given order and moves the chat with them: message count, last
 * message time, and `needsResponse` when given. Times come from clock_timestamp(), not the transaction's
 * start, so messages written under the chat's lock are ordered as they were written.
 */
export async function insertChatMessages(
  db: Executor,
  chat: { workspaceId: string; chatId: string },
  messages: NewChatMessage[],
  options: { needsResponse?: boolean; language?: string } = {},
): Promise<ChatMessageRecord[]> {
  const records: ChatMessageRecord[] = [];
  // One statement per message: clock_timestamp() then differs between them and the order holds.
  for (const m of messages) {
    const row = await db
      .insertInto('messages')
      .values({
        workspace_id: chat.workspaceId,
        chat_id: chat.chatId,
        author_id: m.authorId,
        role: m.role,
        content: m.content,
        parts: JSON.stringify(m.parts ?? [{ type: 'text', text: m.content }]),
        tool_calls: JSON.stringify(m.toolCalls ?? []),
        model: m.model ?? null,
        error: null,
        input_tokens: m.inputTokens ?? null,
        output_tokens: m.outputTokens ?? null,
        reasoning_tokens: m.reasoningTokens ?? null,
        cached_input_tokens: m.cachedInputTokens ?? null,
        intent_name: m.intentName ?? null,
        intent_score: m.intentScore ?? null,
        step: m.step ?? null,
        rating: null,
        delivery_status: m.deliveryStatus ?? null,
        created_at: m.createdAt ?? sql<Date>`clock_timestamp()`,
        updated_at: sql<Date>`clock_timestamp()`,
      })
      .returning([...messageColumns, sql<string>`created_at::text`.as('created_at_text')])
      .executeTakeFirstOrThrow();
    records.push(toMessage(row));
  }
  if (records.length > 0) {
    const latest = records.reduce((max, r) => (r.createdAt > max ? r.createdAt : max), records[0]!.createdAt);
    await db
      .updateTable('chats')
      .set((eb) => ({
        message_count: eb('message_count', '+', records.length),
        last_message_at: sql<Date>`greatest(last_message_at, ${latest})`,
        ...(options.needsResponse !== undefined && { needs_response: options.needsResponse }),
        ...(options.language !== undefined && { language: options.language }),
        updated_at: sql<Date>`now()`,
      }))
      .where('workspace_id', '=', chat.workspaceId)
      .where('id', '=', chat.chatId)
      .execute();
  }
  return records;
}

export interface MessageCursor {
  /** created_at as text, exact. */
  createdAt: string;
  number: number;
}

/** One page of a chat's messages by (created_at, number), oldest first (`asc`) or newest first. */
export async function listChatMessages(
  db: Executor,
  chatId: string,
  page: { limit: number; order: 'asc' | 'desc'; cursor?: MessageCursor; roles?: MessageRole[] },
): Promise<{ items: ChatMessageRecord[]; hasMore: boolean }> {
  const further = page.order === 'asc' ? '>' : '<';
  const rows = await db
    .selectFrom('messages')
    .select([...messageColumns, sql<string>`created_at::text`.as('created_at_text')])
    .where('chat_id', '=', chatId)
    .$if(page.roles !== undefined, (qb) => qb.where('role', 'in', page.roles!))
    .$if(page.cursor !== undefined, (qb) =>
      qb.where(sql`(created_at, number)`, further, sql`(cast(${page.cursor!.createdAt} as timestamptz), ${page.cursor!.number})`),
    )
    .orderBy('created_at', page.order)
    .orderBy('number', page.order)
    .limit(page.limit + 1)
    .execute();
  return { items: rows.slice(0, page.limit).map(toMessage), hasMore: rows.length > page.limit };
}

export async function findChatMessage(db: Executor, chatId: string, messageId: string): Promise<ChatMessageRecord | undefined> {
  const row = await db
    .selectFrom('messages')
    .select([...messageColumns, sql<string>`created_at::text`.as('created_at_text')])
    .where('chat_id', '=', chatId)
    .where('id', '=', messageId)
    .executeTakeFirst();
  return row && toMessage(row);
}

export async function setMessageRating(db: Executor, chatId: string, messageId: string, rating: number | null): Promise<ChatMessageRecord | undefined> {
  const row = await db
    .updateTable('messages')
    .set({ rating, updated_at: sql<Date>`now()` })
    .where('chat_id', '=', chatId)
    .where('id', '=', messageId)
    .returning([...messageColumns, sql<string>`created_at::text`.as('created_at_text')])
    .executeTakeFirst();
  return row && toMessage(row);
}

export async function setMessageDelivery(db: Executor, messageId: string, status: DeliveryStatus, error: string | null): Promise<void> {
  await db.updateTable('messages').set({ delivery_status: status, delivery_error: error, updated_at: sql<Date>`now()` }).where('id', '=', messageId).execute();
}

// ---- tools ----

export interface ChatToolRecord {
  id: string;
  /** Null for a tool of the whole workspace. */
  chatId: string | null;
  name: string;
  description: string | null;
  callbackUrl: string;
  inputSchema: Record<string, unknown>;
  timeoutMs: number | null;
  createdAt: Date;
}

function toTool(row: Selectable<ChatToolsTable>): ChatToolRecord {
  return {
    id: row.id,
    chatId: row.chat_id,
    name: row.name,
    description: row.description,
    callbackUrl: row.callback_url,
    inputSchema: typeof row.input_schema === 'string' ? JSON.parse(row.input_schema) : row.input_schema,
    timeoutMs: row.timeout_ms,
    createdAt: row.created_at,
  };
}

export async function insertChatTool(
  db: Executor,
  input: { workspaceId: string; chatId: string; name: string; description?: string | null; callbackUrl: string; inputSchema?: Record<string, unknown>; timeoutMs?: number | null },
): Promise<ChatToolRecord> {
  const row = await db
    .insertInto('chat_tools')
    .values({
      workspace_id: input.workspaceId,
      chat_id: input.chatId,
      name: input.name,
      description: input.description ?? null,
      callback_url: input.callbackUrl,
      input_schema: JSON.stringify(input.inputSchema ?? { type: 'object' }),
      timeout_ms: input.timeoutMs ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toTool(row);
}

/**
 * The tools the chat may call, by name: its own and its workspace's (chat_id null); where both have a
 * name (in any letter case), the chat's own.
 */
export async function listChatTools(db: Executor, chatId: string): Promise<ChatToolRecord[]> {
  const rows = await db
    .selectFrom('chat_tools')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb('chat_id', '=', chatId),
        eb.and([eb('chat_id', 'is', null), eb('workspace_id', '=', eb.selectFrom('chats').select('chats.workspace_id').where('chats.id', '=', chatId))]),
      ]),
    )
    .orderBy('name')
    .orderBy(sql`chat_id is null`)
    .execute();
  const seen = new Set<string>();
  return rows.filter((r) => !seen.has(r.name.toLowerCase()) && seen.add(r.name.toLowerCase())).map(toTool);
}

// ---- deliveries ----

export interface DeliveryRecord {
  id: string;
  chatId: string;
  messageId: string;
  channel: 'sms' | 'email';
  provider: string;
  recipient: string;
  payload: Record<string, unknown>;
  status: DeliveryStatus;
  providerMessageId: string | null;
  error: string | null;
  createdAt: Date;
}

export async function insertDelivery(
  db: Executor,
  input: { workspaceId: string; chatId: string; messageId: string; channel: 'sms' | 'email'; provider: string; recipient: string; payload: Record<string, unknown> },
): Promise<{ id: string }> {
  return db
    .insertInto('deliveries')
    .values({
      workspace_id: input.workspaceId,
      chat_id: input.chatId,
      message_id: input.messageId,
      channel: input.channel,
      provider: input.provider,
      recipient: input.recipient,
      payload: JSON.stringify(input.payload),
      status: 'pending',
      provider_message_id: null,
      error: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

export async function updateDelivery(db: Executor, id: string, patch: { status: DeliveryStatus; providerMessageId?: string | null; error?: string | null }): Promise<void> {
  await db
    .updateTable('deliveries')
    .set({ status: patch.status, provider_message_id: patch.providerMessageId ?? null, error: patch.error ?? null, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .execute();
}

/** The workspace's deliveries, oldest first; optionally of one chat or in one status (the outbox: `queued`). */
export async function listDeliveries(db: Executor, workspaceId: string, filter: { chatId?: string; status?: DeliveryStatus } = {}): Promise<DeliveryRecord[]> {
  const rows = await db
    .selectFrom('deliveries')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .$if(filter.chatId !== undefined, (qb) => qb.where('chat_id', '=', filter.chatId!))
    .$if(filter.status !== undefined, (qb) => qb.where('status', '=', filter.status!))
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    chatId: r.chat_id,
    messageId: r.message_id,
    channel: r.channel,
    provider: r.provider,
    recipient: r.recipient,
    payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload,
    status: r.status,
    providerMessageId: r.provider_message_id,
    error: r.error,
    createdAt: r.created_at,
  }));
}

// ---- labels and summaries ----

export interface LabelRecord {
  id: string;
  name: string;
  description: string | null;
  keywords: string[];
}

export async function insertLabel(
  db: Executor,
  input: { workspaceId: string; name: string; description?: string | null; color?: string | null; keywords?: string[] },
): Promise<LabelRecord> {
  const row = await db
    .insertInto('labels')
    .values({ workspace_id: input.workspaceId, name: input.name, description: input.description ?? null, color: input.color ?? null, keywords: input.keywords ?? [] })
    .returning(['id', 'name', 'description', 'keywords'])
    .executeTakeFirstOrThrow();
  return row;
}

/** The workspace's label definitions, by name. */
export async function listLabels(db: Executor, workspaceId: string): Promise<LabelRecord[]> {
  return db.selectFrom('labels').select(['id', 'name', 'description', 'keywords']).where('workspace_id', '=', workspaceId).orderBy('name').execute();
}

/** Stores a summary and title; with `labelIds`, the chat's labels become exactly those. */
export async function setChatSummary(db: Executor, chat: { workspaceId: string; chatId: string }, input: { summary: string; title: string; labelIds?: string[] }): Promise<void> {
  await db
    .updateTable('chats')
    .set({ summary: input.summary, title: input.title, summary_updated_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where('workspace_id', '=', chat.workspaceId)
    .where('id', '=', chat.chatId)
    .execute();
  if (input.labelIds) {
    await db.deleteFrom('chat_labels').where('chat_id', '=', chat.chatId).execute();
    if (input.labelIds.length > 0) {
      await db.insertInto('chat_labels').values(input.labelIds.map((labelId) => ({ chat_id: chat.chatId, label_id: labelId }))).execute();
    }
  }
}

// ---- idempotency keys ----

export interface IdempotencyRecord {
  operation: string;
  fingerprint: string;
  state: 'running' | 'completed';
  outcome: unknown;
}

/**
 * Claims an Idempotency-Key of an API key for a request: keys belong to the API key that sent them, so
 * two callers using the same key never see each other's outcome. Returns undefined when the claim is
 * this request's; else the record already holding the key. A key expires after `expirySeconds`; a claim
 * left running longer than `staleSeconds` (its process died) may be taken over by a retry of the same request.
 */
export async function claimIdempotencyKey(
  db: Executor,
  input: { workspaceId: string; apiKeyId: string; key: string; operation: string; fingerprint: string; expirySeconds: number; staleSeconds: number },
): Promise<IdempotencyRecord | undefined> {
  const claimed = await db
    .insertInto('idempotency_keys')
    .values({
      workspace_id: input.workspaceId,
      api_key_id: input.apiKeyId,
      key: input.key,
      operation: input.operation,
      fingerprint: input.fingerprint,
      state: 'running',
      outcome: null,
      completed_at: null,
    })
    .onConflict((oc) =>
      oc
        .columns(['api_key_id', 'key'])
        .doUpdateSet({
          operation: (eb) => eb.ref('excluded.operation'),
          fingerprint: (eb) => eb.ref('excluded.fingerprint'),
          state: 'running',
          outcome: null,
          created_at: sql<Date>`now()`,
          completed_at: null,
        })
        .where((eb) =>
          eb.or([
            sql<boolean>`idempotency_keys.created_at < now() - make_interval(secs => ${input.expirySeconds})`,
            eb.and([
              eb('idempotency_keys.state', '=', 'running'),
              eb('idempotency_keys.fingerprint', '=', input.fingerprint),
              sql<boolean>`idempotency_keys.created_at < now() - make_interval(secs => ${input.staleSeconds})`,
            ]),
          ]),
        ),
    )
    .returning('key')
    .executeTakeFirst();
  if (claimed) return undefined;
  const row = await db
    .selectFrom('idempotency_keys')
    .select(['operation', 'fingerprint', 'state', 'outcome'])
    .where('api_key_id', '=', input.apiKeyId)
    .where('key', '=', input.key)
    .executeTakeFirst();
  // Gone since the insert conflicted: its request failed and released the key in between, so the key
  // is free again and the claim starts over (each round is another request's whole run).
  if (!row) return claimIdempotencyKey(db, input);
  return { ...row, outcome: typeof row.outcome === 'string' ? JSON.parse(row.outcome) : row.outcome };
}

export async function completeIdempotencyKey(db: Executor, apiKeyId: string, key: string, outcome: unknown): Promise<void> {
  await db
    .updateTable('idempotency_keys')
    .set({ state: 'completed', outcome: JSON.stringify(outcome), completed_at: sql<Date>`now()` })
    .where('api_key_id', '=', apiKeyId)
    .where('key', '=', key)
    .execute();
}

/** Lets the key go again: the request failed before anything was kept, so a retry should run it. */
export async function releaseIdempotencyKey(db: Executor, apiKeyId: string, key: string): Promise<void> {
  await db.deleteFrom('idempotency_keys').where('api_key_id', '=', apiKeyId).where('key', '=', key).where('state', '=', 'running').execute();
}
