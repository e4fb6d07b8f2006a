import { z } from '@hono/zod-openapi';
import { EVENT_DESCRIPTIONS, EVENT_TYPES } from '@parley/core';
import { enumList, IntegerParam } from '../../shared/params.js';

export { WorkspaceParams } from '../workspace-chats/schemas.js';

export const EventTypeName = z.enum(EVENT_TYPES).openapi('EventType', { description: 'An event type.' });

export const Event = z
  .object({
    id: z.string().openapi({ format: 'uuid', description: "The event's id; also the `webhook-id` of its deliveries, the same on every retry (deduplicate on it)." }),
    type: EventTypeName,
    timestamp: z.string().openapi({ format: 'date-time', description: 'When the change was made.' }),
    workspaceId: z.string().openapi({ format: 'uuid' }),
    resourceId: z.string().openapi({ description: 'The id of the resource the event is about (a chat, message or export uuid).' }),
    schemaVersion: z.number().int().openapi({ description: 'The version of `data`\'s shape for this type; 1 for every type today.', example: 1 }),
    data: z.record(z.string(), z.unknown()).openapi({ description: 'What changed: per type, see the `webhooks` section of this document.' }),
  })
  .openapi('Event');

export const ChangefeedQuery = z.strictObject({
  after: z
    .string()
    .max(16_000)
    .optional()
    .openapi({ description: 'The `nextCursor` of the previous page: events after it. Absent: from the oldest event kept.' }),
  types: enumList(EVENT_TYPES, 'Only events of these types (the cursor still moves past the others).'),
  limit: IntegerParam({ min: 1, max: 500 })
    .default(100)
    .openapi({ description: 'At most this many events.', type: 'integer', minimum: 1, maximum: 500, default: 100 }),
  wait: IntegerParam({ min: 0, max: 20 })
    .default(0)
    .openapi({ description: 'Long poll: when no event is there yet, wait up to this many seconds for one before answering.', type: 'integer', minimum: 0, maximum: 20, default: 0 }),
});

export const ChangefeedPage = z
  .object({
    events: z.array(Event),
    nextCursor: z.string().openapi({ description: 'Pass as `after` to continue; given with every page, also an empty one. Keep it to resume after a restart.' }),
    endOfStream: z.boolean().openapi({ description: 'true: nothing more to read for now (poll again with `nextCursor`, or long-poll with `wait`).' }),
  })
  .openapi('ChangefeedPage');

/** The `data` of each type, for the document's `webhooks` section. */
const ChatRefSchema = z.object({ id: z.string().openapi({ format: 'uuid' }), number: z.number().int() });
const WebhookDeliveryNote = 'The request carries `webhook-id`, `webhook-timestamp` and `webhook-signature` (Standard Webhooks, `v1,` HMAC-SHA256 of `id.timestamp.body`).';
export const EVENT_DATA: Record<(typeof EVENT_TYPES)[number], z.ZodType> = {
  'chat.created': z.object({ chat: ChatRefSchema, title: z.string().nullable(), channel: z.string().nullable(), ownerId: z.string() }),
  'chat.updated': z.object({ chat: ChatRefSchema, changes: z.record(z.string(), z.unknown()) }),
  'chat.removed': z.object({ chat: ChatRefSchema }),
  'chat.needs_response': z.object({ chat: ChatRefSchema, needsResponse: z.boolean() }),
  'message.created': z.object({ chat: ChatRefSchema, message: z.object({ id: z.string(), role: z.string(), createdAt: z.string() }) }),
  'message.delivery_updated': z.object({ chat: ChatRefSchema, message: z.object({ id: z.string() }), channel: z.string(), status: z.string(), error: z.string().nullable() }),
  'participant.added': z.object({ chat: ChatRefSchema, participant: z.object({ memberId: z.number().int().nullable(), identityId: z.string(), role: z.string().nullable() }) }),
  'participant.removed': z.object({ chat: ChatRefSchema, participant: z.object({ memberId: z.number().int().nullable(), identityId: z.string() }) }),
  'summary.updated': z.object({ chat: ChatRefSchema, summary: z.string(), title: z.string().nullable() }),
  'export.completed': z.object({ export: z.object({ id: z.string(), kind: z.string(), rowCount: z.number().int().nullable(), statusPath: z.string() }) }),
  'export.failed': z.object({ export: z.object({ id: z.string(), kind: z.string(), error: z.string().nullable(), statusPath: z.string() }) }),
  'webhook_endpoint.disabled': z.object({ endpoint: z.object({ id: z.string(), url: z.string() }), reason: z.enum(['gone', 'failing']) }),
};

/** OpenAPI 3.1 `webhooks`: one entry per event type, the request Parley sends to an endpoint. */
export const WEBHOOKS = EVENT_TYPES.map((type) => ({
  method: 'post' as const,
  path: type,
  summary: type,
  description: `${EVENT_DESCRIPTIONS[type]}\n\n${WebhookDeliveryNote} Answer 2xx to acknowledge; anything else (or no answer within the timeout) is retried with backoff for about a day; 410 disables the endpoint.`,
  tags: ['Events'],
  request: {
    body: { required: true, content: { 'application/json': { schema: Event.extend({ type: z.literal(type), data: EVENT_DATA[type] }) } } },
  },
  responses: { 200: { description: 'Acknowledged (any 2xx).' }, 410: { description: 'Gone: the endpoint is disabled.' } },
}));
