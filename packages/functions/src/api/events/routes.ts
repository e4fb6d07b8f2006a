import { bodyErrorResponses, commonErrorResponses } from '../../shared/errors.js';
import { IdempotencyHeaders, idempotencyErrors, replayHeader } from '../../shared/idempotency.js';
import { authorizedRoute, body, json } from '../../shared/route.js';
import {
  ChangefeedPage,
  ChangefeedQuery,
  CreatedWebhookEndpoint,
  CreateWebhookEndpointBody,
  DeliveriesQuery,
  DeliveryPage,
  EndpointParams,
  RedeliverBody,
  RedeliverResult,
  RotatedSecret,
  RotateSecretBody,
  UpdateWebhookEndpointBody,
  WebhookEndpoint,
  WebhookEndpointList,
  WorkspaceParams,
} from './schemas.js';

export const tags = ['Events'];
const base = '/api/v2/w/{workspace_uuid}';
export const changefeed = authorizedRoute({ permission: 'chats:read', reach: 'chats' }, {
  method: 'get',
  path: `${base}/events`,
  operationId: 'listEvents',
  tags,
  summary: 'Read the changefeed: events in log order after a cursor.',
  description: [
    'Events of the workspace after `after`, in commit order. Every page carries `nextCursor`: a client that stores it and always continues from it sees each event exactly once, across restarts. An event of a slow transaction is never skipped: the cursor remembers which transactions were still in flight when it was made, and their events come with the first read after they commit. Events of one transaction come together, in the order they were recorded.',
    '`endOfStream` is true when nothing is left for now; with `wait`, an empty read waits up to that many seconds for the next event (long poll).',
    'Events about chats are visible as the chats are; events of exports to their requester (and to callers who reach every chat); `webhook_endpoint.*` events with `chats:admin` only.',
    'Events of statistics exports need `statistics:export` as well, as their status does.',
  ].join('\n\n'),
  request: { params: WorkspaceParams, query: ChangefeedQuery },
  responses: { 200: json(ChangefeedPage, 'A page of events.'), ...commonErrorResponses },
});

// ---- webhook endpoints (chats:admin) ----

const endpoints = `${base}/webhook-endpoints`;
const one = `${endpoints}/{endpoint_id}`;
const admin = { permission: 'chats:admin' as const };

export const createEndpoint = authorizedRoute(admin, {
  operationId: 'createWebhookEndpoint',
  method: 'post',
  path: endpoints,
  tags,
  summary: 'Create a webhook endpoint.',
  description:
    'Parley POSTs every event of the chosen types to the URL, signed per the Standard Webhooks specification with the secret returned here (only here: store it). ' +
    'Delivery is at least once (deduplicate on `webhook-id`, the event id) and not ordered per endpoint; a 2xx acknowledges, anything else is retried with exponential backoff and jitter for about a day, 410 disables the endpoint. A workspace has at most 20 endpoints.',
  request: { params: WorkspaceParams, headers: IdempotencyHeaders, body: body(CreateWebhookEndpointBody) },
  responses: { 201: { ...json(CreatedWebhookEndpoint, 'The endpoint, with its secret.'), headers: replayHeader }, ...commonErrorResponses, ...idempotencyErrors, ...bodyErrorResponses },
});

export const listEndpoints = authorizedRoute(admin, {
  operationId: 'listWebhookEndpoints',
  method: 'get',
  path: endpoints,
  tags,
  summary: 'List webhook endpoints.',
  description: 'Every webhook endpoint of the workspace, oldest first (secrets are never listed).',
  request: { params: WorkspaceParams },
  responses: { 200: json(WebhookEndpointList, 'The endpoints.'), ...commonErrorResponses },
});

export const getEndpoint = authorizedRoute(admin, {
  operationId: 'getWebhookEndpoint',
  method: 'get',
  path: one,
  tags,
  summary: 'Get a webhook endpoint.',
  description: 'One endpoint, with whether it is enabled and why Parley disabled it, if it did.',
  request: { params: EndpointParams },
  responses: { 200: json(WebhookEndpoint, 'The endpoint.'), ...commonErrorResponses },
});

export const updateEndpoint = authorizedRoute(admin, {
  operationId: 'updateWebhookEndpoint',
  method: 'patch',
  path: one,
  tags,
  summary: 'Change a webhook endpoint.',
  description: 'Changes the given fields. Enabling a disabled endpoint resumes deliveries of new events; redeliver the missed ones with `/redeliver`.',
  request: { params: EndpointParams, body: body(UpdateWebhookEndpointBody) },
  responses: { 200: json(WebhookEndpoint, 'The endpoint as changed.'), ...commonErrorResponses, ...bodyErrorResponses },
});

export const deleteEndpoint = authorizedRoute(admin, {
  operationId: 'deleteWebhookEndpoint',
  method: 'delete',
  path: one,
  tags,
  summary: 'Delete a webhook endpoint.',
  description: 'Removes the endpoint with its secrets and delivery log; pending deliveries are dropped.',
  request: { params: EndpointParams },
  responses: { 204: { description: 'Deleted.' }, ...commonErrorResponses },
});

export const rotateSecret = authorizedRoute(admin, {
  operationId: 'rotateWebhookSecret',
  method: 'post',
  path: `${one}/rotate-secret`,
  tags,
  summary: "Rotate a webhook endpoint's secret.",
  description:
    'A new secret signs every delivery from now on; the previous one keeps signing beside it (a second `v1,` signature in `webhook-signature`) for `overlapSeconds`, so receivers can switch without missing a delivery.',
  request: { params: EndpointParams, headers: IdempotencyHeaders, body: { required: false, content: { 'application/json': { schema: RotateSecretBody } } } },
  responses: { 200: { ...json(RotatedSecret, 'The new secret.'), headers: replayHeader }, ...commonErrorResponses, ...idempotencyErrors, ...bodyErrorResponses },
});

export const listDeliveries = authorizedRoute(admin, {
  operationId: 'listWebhookDeliveries',
  method: 'get',
  path: `${one}/deliveries`,
  tags,
  summary: "Read a webhook endpoint's delivery log.",
  description: 'Deliveries newest first, each with its attempts: when, the HTTP status, the latency and the start of the answer (or why there was none).',
  request: { params: EndpointParams, query: DeliveriesQuery },
  responses: { 200: json(DeliveryPage, 'A page of deliveries.'), ...commonErrorResponses },
});

export const redeliver = authorizedRoute(admin, {
  operationId: 'redeliverWebhookEvents',
  method: 'post',
  path: `${one}/redeliver`,
  tags,
  summary: 'Redeliver one event, or every event since an instant.',
  description: 'Queues a new delivery of the event (`eventId`), or of every event of the types the endpoint takes recorded since `since`. The endpoint must be enabled (409 otherwise).',
  request: { params: EndpointParams, headers: IdempotencyHeaders, body: body(RedeliverBody) },
  responses: { 202: { ...json(RedeliverResult, 'Queued.'), headers: replayHeader }, ...commonErrorResponses, ...idempotencyErrors, ...bodyErrorResponses },
});
