import '@hono/zod-openapi'; // first: it gives zod's schemas .openapi()
import * as z from 'zod';
import { EVENT_DESCRIPTIONS, EVENT_TYPES } from '@parley/core';
import { enumList, instant, IntegerParam, Uuid } from '../../shared/params.js';
import { DateTime } from '../../shared/wire.js';

export { WorkspaceParams } from '../../shared/workspace-params.js';

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
  limit: IntegerParam({ min: 1, max: 100 })
    .default(100)
    .openapi({ description: 'At most this many events.', type: 'integer', minimum: 1, maximum: 100, default: 100 }),
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
const EventMessage = z.object({
  id: z.string().openapi({ format: 'uuid', description: "The message's UUID (`uuid` of the v2 messages)." }),
  number: z.number().int().openapi({ description: "The message's integer id (`id` of the v2 messages)." }),
  role: z.string().openapi({ description: '`user`, `assistant`, `note` or `tool` (a tool result recorded with an assistant message).' }),
  authorId: z.string().nullable(),
  content: z.string(),
  toolCalls: z.array(z.unknown()),
  deliveryStatus: z.string().nullable().openapi({ description: '`pending` for an assistant message being delivered (see `message.delivery_updated`); null for messages Parley does not deliver.' }),
  createdAt: z.string().openapi({ format: 'date-time' }),
});
const EventExport = z.object({
  id: z.string().openapi({ format: 'uuid' }),
  kind: z.string().openapi({ description: '`workspace-chats` (GET /api/v2/w/{workspace_uuid}/chats/export) or `statistics` (POST /v1/chatbots/{chatbotId}/statistics/export).' }),
  status: z.enum(['completed', 'failed']),
  rowCount: z.number().int().nullable(),
  byteCount: z.number().int().nullable(),
  error: z.string().nullable(),
  statusPath: z.string().openapi({ description: "The path of the job's status endpoint, which gives a fresh download link." }),
});
export const EVENT_DATA: Record<(typeof EVENT_TYPES)[number], z.ZodType> = {
  'chat.created': z.object({
    chat: ChatRefSchema,
    title: z.string().nullable(),
    channel: z.string().nullable().openapi({ description: "The channel's id; null for a chat on the workspace's default responder." }),
    ownerId: z.string(),
  }),
  'chat.updated': z.object({ chat: ChatRefSchema, changes: z.record(z.string(), z.unknown()) }),
  'chat.removed': z.object({ chat: ChatRefSchema }),
  'chat.needs_response': z.object({ chat: ChatRefSchema, needsResponse: z.boolean() }),
  'message.created': z.object({ chat: ChatRefSchema, message: EventMessage }),
  'message.delivery_updated': z.object({
    chat: ChatRefSchema,
    message: z.object({ id: z.string() }),
    channel: z.string(),
    provider: z.string().openapi({ description: '`twilio`, `smtp` or `outbox`.' }),
    status: z.string(),
    error: z.string().nullable(),
  }),
  'participant.added': z.object({ chat: ChatRefSchema, participant: z.object({ memberId: z.number().int().nullable(), identityId: z.string(), role: z.string().nullable() }) }),
  'participant.removed': z.object({ chat: ChatRefSchema, participant: z.object({ memberId: z.number().int().nullable(), identityId: z.string() }) }),
  'summary.updated': z.object({ chat: ChatRefSchema, summary: z.string(), title: z.string().nullable(), labels: z.array(z.string()).openapi({ description: "The chat's labels after the summary." }) }),
  'export.completed': z.object({ export: EventExport }),
  'export.failed': z.object({ export: EventExport }),
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

// ---- webhook endpoints ----

export const EndpointParams = z.strictObject({
  workspace_uuid: z.string().openapi({ param: { name: 'workspace_uuid', in: 'path' }, format: 'uuid', description: "The workspace's id; it must be the API key's workspace (404 otherwise)." }),
  endpoint_id: Uuid.openapi({ param: { name: 'endpoint_id', in: 'path' }, description: 'The webhook endpoint.' }),
});

const EventTypes = z.array(EventTypeName).max(EVENT_TYPES.length).openapi({ description: 'The event types it receives; empty: every type.' });

export const WebhookEndpoint = z
  .object({
    id: z.string().openapi({ format: 'uuid' }),
    url: z.string(),
    eventTypes: EventTypes,
    enabled: z.boolean(),
    description: z.string().nullable(),
    disabledReason: z.enum(['gone', 'failing']).nullable().openapi({ description: 'Why Parley disabled it: it answered 410 (`gone`), or failed a delivery for about a day (`failing`); null when enabled or disabled by a client.' }),
    lastSuccessAt: DateTime.nullable(),
    createdAt: DateTime,
    updatedAt: DateTime,
  })
  .openapi('WebhookEndpoint');

export const WebhookEndpointList = z.object({ endpoints: z.array(WebhookEndpoint) }).openapi('WebhookEndpointList');

const Secret = z.string().openapi({ description: 'The signing secret (`whsec_` and base64), as Standard Webhooks libraries take it. Shown only here: store it.', example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });

export const CreatedWebhookEndpoint = WebhookEndpoint.extend({ secret: Secret }).openapi('CreatedWebhookEndpoint');

const Url = z.string().min(1).max(2000).openapi({ description: 'Where deliveries are POSTed: an http or https URL; not a loopback, link-local or private address (checked again after DNS resolution at each delivery).' });
const Description = z.string().max(500).nullable().openapi({ description: 'A note for people (at most 500 characters).' });

export const CreateWebhookEndpointBody = z
  .strictObject({
    url: Url,
    eventTypes: EventTypes.default([]),
    enabled: z.boolean().default(true),
    description: Description.default(null),
  })
  .openapi('CreateWebhookEndpointBody');

export const UpdateWebhookEndpointBody = z
  .strictObject({ url: Url.optional(), eventTypes: EventTypes.optional(), enabled: z.boolean().optional().openapi({ description: 'false pauses deliveries; true resumes them (and clears `disabledReason`).' }), description: Description.optional() })
  .refine((b) => Object.keys(b).length > 0, { message: 'must change at least one field' })
  .openapi('UpdateWebhookEndpointBody');

export const RotateSecretBody = z
  .strictObject({
    overlapSeconds: z.number().int().min(0).max(7 * 86_400).default(86_400).openapi({ description: 'How long the previous secret keeps signing deliveries beside the new one (default a day, at most 7 days).' }),
  })
  .openapi('RotateSecretBody');

export const RotatedSecret = z
  .object({ secret: Secret, previousSecretsExpireAt: DateTime.openapi({ description: 'Until then each delivery carries one signature per secret.' }) })
  .openapi('RotatedSecret');

export const DeliveriesQuery = z.strictObject({
  limit: IntegerParam({ min: 1, max: 100 }).default(20).openapi({ description: 'At most this many deliveries.', type: 'integer', minimum: 1, maximum: 100, default: 20 }),
  after: z.string().max(2000).optional().openapi({ description: 'The `nextCursor` of the previous page: older deliveries after it.' }),
});

export const WebhookDelivery = z
  .object({
    id: z.string().openapi({ format: 'uuid' }),
    eventId: z.string().openapi({ format: 'uuid' }),
    eventType: EventTypeName,
    status: z.enum(['pending', 'succeeded', 'failed']),
    nextAttemptAt: DateTime.nullable().openapi({ description: 'When a pending delivery is attempted next.' }),
    createdAt: DateTime,
    completedAt: DateTime.nullable(),
    attempts: z.array(
      z.object({
        attempt: z.number().int(),
        startedAt: DateTime,
        statusCode: z.number().int().nullable().openapi({ description: "The endpoint's HTTP status; null when it did not answer." }),
        latencyMs: z.number().int(),
        responseExcerpt: z.string().nullable().openapi({ description: 'The first 256 characters of its answer.' }),
        error: z.string().nullable().openapi({ description: 'Why there was no answer (timeout, refused address, network).' }),
      }),
    ),
  })
  .openapi('WebhookDelivery');

export const DeliveryPage = z.object({ deliveries: z.array(WebhookDelivery), nextCursor: z.string().nullable() }).openapi('WebhookDeliveryPage');

export const RedeliverBody = z
  .strictObject({
    eventId: Uuid.optional().openapi({ description: 'Deliver this event again.' }),
    since: instant('Deliver again every event the endpoint takes recorded since this instant (at most 1000, oldest first).').optional(),
  })
  .refine((b) => (b.eventId === undefined) !== (b.since === undefined), { message: 'must give exactly one of eventId and since' })
  .openapi('RedeliverBody');

export const RedeliverResult = z.object({ queued: z.number().int(), truncated: z.boolean().openapi({ description: 'More than 1000 events matched: send `since` again from the last one.' }) }).openapi('RedeliverResult');
