import {
  type ActionChatRecord,
  type ChatMessageRecord,
  type Database,
  type DeliveryStatus,
  insertChatMessages,
  insertDelivery,
  listChatTools,
  type NewChatMessage,
  setMessageDelivery,
  updateDelivery,
} from '@parley/db';
import type { Kysely } from 'kysely';
import type { Principal } from './auth.js';
import { requireActionChat } from './chats/workspace.js';
import { AppError } from './errors.js';
import { deliveryUpdatedEvent, messageCreatedEvent, needsResponseEvents, recordEvents } from './events/log.js';
import { type Outcome, withIdempotency } from './idempotency.js';
import { assistantOf, reviveMessage, takeChat } from './messages.js';
import { type EmailMessage, ProviderError, type Providers, type SmsMessage } from './providers/ports.js';
import { planToolCalls, type ToolCallInput } from './tools.js';

// Sending as the assistant: the tool calls run first, then the assistant's message is recorded and
// delivered over SMS or email on the chat's channel.

type Db = Kysely<Database>;

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

/** Where the chat's messages go, or the documented 400 when they cannot go anywhere. */
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
      throw AppError.invalid('body.message', `must be at most ${MAX_SMS_CHARS} characters on an sms chat`, `SMS messages are limited to ${MAX_SMS_CHARS} characters`);
    }
    return { channel: 'sms', recipient: chat.ownerPhone };
  }
  if (!chat.ownerEmail) throw new AppError('bad_request', `The owner of chat ${chat.number} has no email address`);
  return { channel: 'email', recipient: chat.ownerEmail };
}

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
    const chat = await requireActionChat(db, principal, chatNumber);
    const plan = deliveryPlan(chat, input.message);
    const answering = await assistantOf(db, chat);
    const authorId = answering.id;
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
      const locked = await requireActionChat(trx, principal, chatNumber, { lock: true });
      await takeChat(trx, locked, answering);
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
      await recordEvents(trx, [
        ...written.map((m) => messageCreatedEvent(locked, m)),
        ...(locked.needsResponse ? needsResponseEvents(locked, false) : []),
        deliveryUpdatedEvent(locked, assistant.id, { channel: envelope.channel, provider: sender.provider, status: result.status, error: result.error }),
      ]);
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
