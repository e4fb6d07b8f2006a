import { isIP } from 'node:net';
import {
  deleteWebhookEndpoint,
  type Executor,
  findEventById,
  findWebhookEndpoint,
  insertWebhookDeliveries,
  insertWebhookEndpoint,
  listEventsSince,
  listWebhookDeliveries,
  listWebhookEndpoints,
  rotateWebhookSecret,
  updateWebhookEndpoint,
  type WebhookEndpointPatch,
  type WebhookEndpointRecord,
  webhookDeliveryKey,
} from '@parley/db';
import type { Principal } from '../auth.js';
import { cursorCodec, isTimestampText } from '../cursors.js';
import { AppError } from '../errors.js';
import { reviveDates, withIdempotency } from '../idempotency.js';
import type { EventType } from '../events/catalog.js';
import { endpointWants } from './dispatch.js';
import type { WebhookServices } from './ports.js';
import { generateWebhookSecret } from './signing.js';
import { isPrivateAddress } from './ssrf.js';

// Webhook endpoints of a workspace (the routes require chats:admin): create, read, change, remove,
// rotate the secret, read the delivery log, redeliver.

export const MAX_ENDPOINTS_PER_WORKSPACE = 20;
export const MAX_REDELIVERY_EVENTS = 1000;

/** A URL webhooks may be sent to: http(s), no credentials, and (unless private networks are allowed) not a private address or localhost. */
export function checkWebhookUrl(raw: string, allowPrivateNetworks: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw AppError.invalid('body.url', 'must be an absolute http or https URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw AppError.invalid('body.url', 'must be an http or https URL');
  if (url.username || url.password) throw AppError.invalid('body.url', 'must not carry credentials');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivateNetworks && ((isIP(host) && isPrivateAddress(host)) || host === 'localhost' || host.endsWith('.localhost'))) {
    throw AppError.invalid('body.url', 'must not point at loopback, link-local or private addresses');
  }
  return url.toString();
}

async function requireEndpoint(db: Executor, principal: Principal, id: string): Promise<WebhookEndpointRecord> {
  const endpoint = await findWebhookEndpoint(db, principal.workspaceId, id);
  if (!endpoint) throw AppError.notFound('Webhook endpoint');
  return endpoint;
}

export async function createWebhookEndpoint(
  db: Executor,
  principal: Principal,
  services: Pick<WebhookServices, 'allowPrivateNetworks'>,
  input: { url: string; eventTypes: EventType[]; enabled: boolean; description: string | null },
): Promise<{ endpoint: WebhookEndpointRecord; secret: string }> {
  const url = checkWebhookUrl(input.url, services.allowPrivateNetworks);
  if ((await listWebhookEndpoints(db, principal.workspaceId)).length >= MAX_ENDPOINTS_PER_WORKSPACE) {
    throw new AppError('conflict', `A workspace has at most ${MAX_ENDPOINTS_PER_WORKSPACE} webhook endpoints`);
  }
  const secret = generateWebhookSecret();
  const endpoint = await insertWebhookEndpoint(db, { workspaceId: principal.workspaceId, url, eventTypes: input.eventTypes, enabled: input.enabled, description: input.description, secret });
  return { endpoint, secret };
}

export const listEndpoints = (db: Executor, principal: Principal) => listWebhookEndpoints(db, principal.workspaceId);
export const getWebhookEndpoint = (db: Executor, principal: Principal, id: string) => requireEndpoint(db, principal, id);

export async function changeWebhookEndpoint(
  db: Executor,
  principal: Principal,
  services: Pick<WebhookServices, 'allowPrivateNetworks'>,
  id: string,
  patch: WebhookEndpointPatch,
): Promise<WebhookEndpointRecord> {
  const checked = { ...patch, ...(patch.url !== undefined && { url: checkWebhookUrl(patch.url, services.allowPrivateNetworks) }) };
  const endpoint = await updateWebhookEndpoint(db, principal.workspaceId, id, checked);
  if (!endpoint) throw AppError.notFound('Webhook endpoint');
  return endpoint;
}

export async function removeWebhookEndpoint(db: Executor, principal: Principal, id: string): Promise<void> {
  if (!(await deleteWebhookEndpoint(db, principal.workspaceId, id))) throw AppError.notFound('Webhook endpoint');
}

/** A new secret; the previous ones keep signing deliveries (beside it) for `overlapSeconds`. */
export async function rotateEndpointSecret(db: Executor, principal: Principal, id: string, overlapSeconds: number): Promise<{ secret: string; previousSecretsExpireAt: Date }> {
  const endpoint = await requireEndpoint(db, principal, id);
  const secret = generateWebhookSecret();
  const previousSecretsExpireAt = await rotateWebhookSecret(db, endpoint.id, secret, overlapSeconds);
  return { secret, previousSecretsExpireAt };
}

/** A position: the last delivery's creation time as Postgres prints it and its id. */
const deliveryCursor = cursorCodec('webhook-deliveries', { c: isTimestampText, i: (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f-]{36}$/.test(v) });

export async function listEndpointDeliveries(db: Executor, principal: Principal, id: string, query: { limit: number; after?: string }) {
  const endpoint = await requireEndpoint(db, principal, id);
  const position = query.after ? deliveryCursor.decode(principal.workspaceSecret, query.after, 'query.after') : undefined;
  const before = position && { createdAt: position.c, id: position.i };
  const page = await listWebhookDeliveries(db, endpoint.id, { limit: query.limit, before });
  const last = page.items.at(-1);
  const key = page.hasMore && last ? await webhookDeliveryKey(db, last.id) : undefined;
  return { items: page.items, nextCursor: key ? deliveryCursor.encode(principal.workspaceSecret, { c: key.createdAt, i: key.id }) : null };
}

/** Delivers one event again, or every event since `since` the endpoint wants (at most MAX_REDELIVERY_EVENTS, oldest first). */
export async function redeliverEvents(
  db: Executor,
  principal: Principal,
  services: Partial<Pick<WebhookServices, 'queue'>>,
  id: string,
  what: { eventId?: string; since?: Date },
): Promise<{ queued: number; truncated: boolean }> {
  const endpoint = await requireEndpoint(db, principal, id);
  if (!endpoint.enabled) throw new AppError('conflict', 'The endpoint is disabled; enable it before redelivering');
  let events: Array<{ id: string; type: string }>;
  let truncated = false;
  if (what.eventId) {
    const event = await findEventById(db, principal.workspaceId, what.eventId);
    if (!event) throw AppError.notFound('Event');
    events = [event];
  } else {
    events = (await listEventsSince(db, principal.workspaceId, what.since!, MAX_REDELIVERY_EVENTS + 1)).filter((e) => endpointWants(endpoint, e.type));
    truncated = events.length > MAX_REDELIVERY_EVENTS;
    events = events.slice(0, MAX_REDELIVERY_EVENTS);
  }
  const ids = await insertWebhookDeliveries(db, events.map((e) => ({ workspaceId: principal.workspaceId, endpointId: endpoint.id, eventId: e.id })));
  // A failed send leaves them pending without a message: the sweep sends them.
  if (ids.length && services.queue) await services.queue.send(ids.map((deliveryId) => ({ kind: 'deliver' as const, deliveryId }))).catch(() => {});
  return { queued: ids.length, truncated };
}

// ---- with Idempotency-Key: a retry with the same key and body answers the first outcome ----

const reviveEndpoint = (stored: unknown) => {
  const value = stored as { endpoint: Record<string, unknown>; secret: string };
  return { ...value, endpoint: reviveDates<WebhookEndpointRecord>(value.endpoint, ['lastSuccessAt', 'createdAt', 'updatedAt']) };
};

export function createWebhookEndpointOnce(
  db: Executor,
  principal: Principal,
  services: Pick<WebhookServices, 'allowPrivateNetworks'>,
  input: Parameters<typeof createWebhookEndpoint>[3],
  idempotencyKey: string | undefined,
) {
  return withIdempotency(db, { principal, key: idempotencyKey, operation: 'create-webhook-endpoint', request: input }, reviveEndpoint, async () => ({
    ok: true,
    value: await createWebhookEndpoint(db, principal, services, input),
  }));
}

export function rotateEndpointSecretOnce(db: Executor, principal: Principal, id: string, overlapSeconds: number, idempotencyKey: string | undefined) {
  return withIdempotency(
    db,
    { principal, key: idempotencyKey, operation: `rotate-webhook-secret:${id}`, request: { overlapSeconds } },
    (stored) => reviveDates<{ secret: string; previousSecretsExpireAt: Date }>(stored, ['previousSecretsExpireAt']),
    async () => ({ ok: true, value: await rotateEndpointSecret(db, principal, id, overlapSeconds) }),
  );
}

export function redeliverEventsOnce(
  db: Executor,
  principal: Principal,
  services: Partial<Pick<WebhookServices, 'queue'>>,
  id: string,
  what: { eventId?: string; since?: Date },
  idempotencyKey: string | undefined,
) {
  return withIdempotency(
    db,
    { principal, key: idempotencyKey, operation: `redeliver-webhook-events:${id}`, request: what },
    (stored) => stored as { queued: number; truncated: boolean },
    async () => ({ ok: true, value: await redeliverEvents(db, principal, services, id, what) }),
  );
}
