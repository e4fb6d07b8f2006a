import '@hono/zod-openapi'; // first: it gives zod's schemas .openapi()
import * as z from 'zod';
import { PARTICIPANT_ROLES } from '@parley/db';
import { MAX_SMS_CHARS } from '@parley/core';
import { instant, IntegerParam, pageCursor, pageLimit, Uuid } from '../../../shared/params.js';
import { QueryBoolean, WorkspaceParams } from '../schemas.js';
import { DateTime, pageOf } from '../../../shared/wire.js';

export const ChatParams = WorkspaceParams.extend({
  chat_id: IntegerParam({ min: 1, max: Number.MAX_SAFE_INTEGER }).openapi({ param: { name: 'chat_id', in: 'path' }, description: "The chat's integer id." }),
});

export const MessageParams = ChatParams.extend({
  uuid: Uuid.openapi({ param: { name: 'uuid', in: 'path' }, description: "The message's UUID." }),
});

export { IdempotencyHeaders } from '../../../shared/idempotency.js';

// ---- participants ----

export const AddParticipantBody = z
  .strictObject({
    memberId: z.number({ message: 'must be a number' }).int('must be an integer').min(1, 'must be at least 1').max(2_147_483_647, 'is too large').openapi({ description: 'ID of the member to add as a participant.' }),
    role: z
      .enum(PARTICIPANT_ROLES, { message: `must be one of ${PARTICIPANT_ROLES.join(', ')}` })
      .default('contributor')
      .openapi({ description: 'Role for the participant. Contributors can be consulted by the assistant during the conversation.' }),
  })
  .openapi('ChatParticipantAddRequest');

export const ChatParticipantAddedResponse = z
  .object({
    success: z.literal(true),
    message: z.string().openapi({ example: 'Participant added' }),
    participantId: z.number().int().openapi({ description: 'The ID of the created participant.' }),
  })
  .openapi('ChatParticipantAddedResponse');

export const ParticipantParams = ChatParams.extend({
  participant_id: IntegerParam({ min: 1, max: Number.MAX_SAFE_INTEGER }).openapi({
    param: { name: 'participant_id', in: 'path' },
    description: 'The participant\'s id, as adding it returned (`participantId`) and the list shows (`id`).',
  }),
});

export const ChatParticipant = z
  .object({
    id: z.number().int().openapi({ description: "The participant's id: what removing it takes." }),
    memberId: z.number().int().openapi({ description: 'The member taking part (see GET /members).' }),
    identityId: Uuid.openapi({ description: "The member's identity id." }),
    name: z.string(),
    email: z.string().nullable(),
    role: z.enum(PARTICIPANT_ROLES),
    addedAt: DateTime.openapi({ description: 'When the member was added to the chat.' }),
    lastSeenAt: DateTime.nullable().openapi({ description: 'When the participant last saw the chat; null if never recorded.' }),
  })
  .openapi('ChatParticipant');

export const ChatParticipantList = z
  .object({ participants: z.array(ChatParticipant).openapi({ description: 'Every participant, in the order they were added.' }) })
  .openapi('ChatParticipantList');

export const ChatParticipantRemovedResponse = z
  .object({
    success: z.literal(true),
    message: z.string().openapi({ example: 'Participant removed' }),
    participantId: z.number().int().openapi({ description: 'The ID of the removed participant.' }),
  })
  .openapi('ChatParticipantRemovedResponse');

// ---- messages ----

export const ToolCall = z
  .object({
    id: z.string().openapi({ description: 'The call id; results refer to it.' }),
    name: z.string(),
    arguments: z.record(z.string(), z.unknown()),
  })
  .openapi('ToolCall');

export const ChatMessage = z
  .object({
    id: z.number().int().openapi({ description: "The message's integer id." }),
    uuid: Uuid.openapi({ description: "The message's UUID, used in this API's paths." }),
    role: z.enum(['user', 'assistant', 'system', 'tool', 'event', 'note']),
    content: z.string(),
    authorId: Uuid.nullable().openapi({ description: "The author's identity id (the owner, the assistant or a member); null for tool results." }),
    toolCalls: z.array(ToolCall).openapi({ description: 'The tools the assistant called with this message.' }),
    rating: z.number().int().nullable().openapi({ description: '1 (helpful), -1 (not helpful) or null.' }),
    deliveryStatus: z
      .enum(['pending', 'queued', 'sent', 'failed'])
      .nullable()
      .openapi({ description: '`sent`: handed to the SMS or email provider; `queued`: kept in the outbox (no provider configured); `failed`: see deliveryError. Null for messages not delivered by Parley.' }),
    deliveryError: z.string().nullable(),
    timestamp: DateTime.openapi({ description: 'When the message was written.' }),
  })
  .openapi('ChatMessage');

export const SendAssistantMessageBody = z
  .strictObject({
    message: z
      .string({ message: 'must be a string' })
      .trim()
      .min(1, 'must not be empty')
      .max(10_000, 'must be at most 10000 characters')
      .openapi({ description: `Message content to send; markdown is rendered to HTML for email. At most ${MAX_SMS_CHARS} characters on an sms chat.` }),
    tool_calls: z
      .array(
        z.strictObject({
          id: z.string().min(1).max(100).optional().openapi({ description: 'Your id for the call; generated when absent.' }),
          name: z.string().min(1).max(100).openapi({ description: 'The name of one of the chat’s tools (GET .../tools).' }),
          arguments: z.record(z.string(), z.unknown()).default({}).openapi({ description: "Arguments valid against the tool's input schema." }),
        }),
      )
      .max(20, 'must hold at most 20 calls')
      .default([])
      .openapi({ description: 'Tool calls to execute, in order, before the message is recorded and delivered. A failing tool answers 500 and nothing is sent.' }),
  })
  .openapi('SendAssistantMessageRequest');

export const SendAssistantMessageResponse = z
  .object({
    success: z.literal(true),
    message: ChatMessage,
    toolResults: z.array(ChatMessage).openapi({ description: 'The recorded results of the tool calls, as `tool` messages.' }),
    delivery: z.object({
      channel: z.enum(['sms', 'email']),
      provider: z.string().openapi({ description: '`twilio`, `smtp` or `outbox`.' }),
      recipient: z.string().openapi({ description: "The owner's phone number or email address." }),
      status: z.enum(['pending', 'queued', 'sent', 'failed']),
      providerMessageId: z.string().nullable(),
    }),
  })
  .openapi('SendAssistantMessageResponse');

export const RecordMessageBody = z
  .strictObject({
    role: z
      .enum(['user', 'assistant', 'note'], { message: 'must be user, assistant or note' })
      .openapi({ description: "`user`: from the chat's owner (sets needs_response); `assistant`: an answer sent elsewhere (clears it); `note`: an internal team note." }),
    content: z.string({ message: 'must be a string' }).min(1, 'must not be empty').max(32_000, 'must be at most 32000 characters'),
    createdAt: instant('When the message was written at its source; now when absent.').optional(),
    // What the statistics read: language, intent and its score, the flow step; and the model's usage, as org chats report it.
    language: z
      .string({ message: 'must be a string' })
      .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/, 'must be a language code, e.g. en or pt-BR')
      .optional()
      .openapi({ description: "The language detected in the message; it becomes the conversation's language (the statistics' CONVERSATION_LANGUAGES).", example: 'en' }),
    intent: z
      .strictObject({
        name: z.string({ message: 'must be a string' }).trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
        score: z.number({ message: 'must be a number' }).min(0, 'must be at least 0').max(1, 'must be at most 1').nullable().optional().openapi({ description: 'The confidence, 0 to 1.' }),
      })
      .optional()
      .openapi({ description: 'The intent recognised in the message and its score (INTENT_HITS, INTENT_COUNT, INTENT_SCORE_MEDIAN).' }),
    step: z
      .string({ message: 'must be a string' })
      .trim()
      .min(1, 'must not be empty')
      .max(100, 'must be at most 100 characters')
      .optional()
      .openapi({ description: 'The flow step the message executed (STEP_EXEC_COUNT).', example: 'collect_address' }),
    model: z.string({ message: 'must be a string' }).min(1, 'must not be empty').max(128, 'must be at most 128 characters').optional().openapi({ description: 'The model that wrote an assistant message.' }),
    usage: z
      .strictObject(
        Object.fromEntries(
          (['inputTokens', 'outputTokens', 'reasoningTokens', 'cachedInputTokens'] as const).map((k) => [
            k,
            z.number({ message: 'must be a number' }).int('must be an integer').min(0, 'must be at least 0').max(1_000_000_000, 'must be at most 1000000000').optional(),
          ]),
        ) as Record<'inputTokens' | 'outputTokens' | 'reasoningTokens' | 'cachedInputTokens', z.ZodOptional<z.ZodNumber>>,
      )
      .optional()
      .openapi({ description: "The model's token usage for an assistant message (the `last_message.usage` of org chats)." }),
  })
  .openapi('RecordMessageRequest');

export const MessageHistoryQuery = z.strictObject({
  limit: pageLimit('Messages', 50),
  order: z.enum(['asc', 'desc']).default('desc').openapi({ description: '`desc`: newest first (default); `asc`: oldest first.' }),
  cursor: pageCursor(500, '`order`'),
});

export const MessageHistory = pageOf('messages', ChatMessage, 'ChatMessageHistory');

export const RateMessageBody = z
  .strictObject({
    rating: z
      .union([z.literal(1), z.literal(-1), z.null()], { message: 'must be 1, -1 or null' })
      .openapi({ type: ['integer', 'null'], enum: [1, -1, null], description: '1 (helpful), -1 (not helpful), or null to clear the rating.' }),
  })
  .openapi('RateMessageRequest');

// ---- summaries and tools ----

export const SummarizeQuery = z.strictObject({
  update_labels: QueryBoolean.openapi({ description: "If true, also sets the chat's labels from the conversation, chosen among the workspace's label definitions (default: false)." }),
});

export const ChatTool = z
  .object({
    id: Uuid,
    name: z.string(),
    description: z.string().nullable(),
    inputSchema: z.record(z.string(), z.unknown()).openapi({ description: 'The JSON Schema the call arguments must satisfy.' }),
    callbackUrl: z.string().openapi({ description: 'Where calls are POSTed as JSON.' }),
    timeoutMs: z.number().int().nullable().openapi({ description: "How long a call may take; null for the server's default." }),
  })
  .openapi('ChatTool');

export const ChatTools = z.object({ tools: z.array(ChatTool) }).openapi('ChatTools');
