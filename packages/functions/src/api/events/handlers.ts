import type { RouteHandler } from '@hono/zod-openapi';
import * as core from '@parley/core';
import type { WebhookEndpointRecord } from '@parley/db';
import type { AppEnv } from '../../shared/env.js';
import { zodIssuesToAppError } from '../../shared/errors.js';
import { markReplay } from '../../shared/idempotency.js';
import { iso } from '../../shared/wire.js';
import { RotateSecretBody } from './schemas.js';
import type * as routes from './routes.js';

export const changefeed: RouteHandler<typeof routes.changefeed, AppEnv> = async (c) => {
  const query = c.req.valid('query');
  const page = await core.readChangefeed(c.get('db'), c.get('principal'), { after: query.after, types: query.types, limit: query.limit, waitSeconds: query.wait }, c.req.raw.signal);
  c.header('cache-control', 'no-store');
  return c.json(page, 200);
};

// ---- webhook endpoints ----

function toEndpoint(e: WebhookEndpointRecord) {
  return {
    id: e.id,
    url: e.url,
    eventTypes: e.eventTypes as core.EventType[],
    enabled: e.enabled,
    description: e.description,
    disabledReason: e.disabledReason as 'gone' | 'failing' | null,
    lastSuccessAt: iso(e.lastSuccessAt),
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  };
}

/** The webhook settings of the deps, else the configuration's (CRUD needs only whether private networks are allowed). */
const webhooksOf = (c: { get(key: 'webhooks'): AppEnv['Variables']['webhooks'] }) => c.get('webhooks') ?? { allowPrivateNetworks: core.config().webhooks.allowPrivateNetworks };

export const createEndpoint: RouteHandler<typeof routes.createEndpoint, AppEnv> = async (c) => {
  const input = c.req.valid('json');
  const { value, replayed } = await core.createWebhookEndpointOnce(c.get('db'), c.get('principal'), webhooksOf(c), input, c.req.valid('header')['idempotency-key']);
  markReplay(c, replayed);
  return c.json({ ...toEndpoint(value.endpoint), secret: value.secret }, 201);
};

export const listEndpoints: RouteHandler<typeof routes.listEndpoints, AppEnv> = async (c) => {
  return c.json({ endpoints: (await core.listEndpoints(c.get('db'), c.get('principal'))).map(toEndpoint) }, 200);
};

export const getEndpoint: RouteHandler<typeof routes.getEndpoint, AppEnv> = async (c) => {
  return c.json(toEndpoint(await core.getWebhookEndpoint(c.get('db'), c.get('principal'), c.req.valid('param').endpoint_id)), 200);
};

export const updateEndpoint: RouteHandler<typeof routes.updateEndpoint, AppEnv> = async (c) => {
  const endpoint = await core.changeWebhookEndpoint(c.get('db'), c.get('principal'), webhooksOf(c), c.req.valid('param').endpoint_id, c.req.valid('json'));
  return c.json(toEndpoint(endpoint), 200);
};

export const deleteEndpoint: RouteHandler<typeof routes.deleteEndpoint, AppEnv> = async (c) => {
  await core.removeWebhookEndpoint(c.get('db'), c.get('principal'), c.req.valid('param').endpoint_id);
  return c.body(null, 204);
};

export const rotateSecret: RouteHandler<typeof routes.rotateSecret, AppEnv> = async (c) => {
  // The body is optional: none means the defaults.
  const raw = await c.req.text();
  let json: unknown = {};
  try {
    if (raw.trim()) json = JSON.parse(raw);
  } catch {
    throw new core.AppError('bad_request', 'The request body is not valid JSON');
  }
  const parsed = RotateSecretBody.safeParse(json);
  if (!parsed.success) throw zodIssuesToAppError(parsed.error, 'json');
  const { value, replayed } = await core.rotateEndpointSecretOnce(c.get('db'), c.get('principal'), c.req.valid('param').endpoint_id, parsed.data.overlapSeconds, c.req.valid('header')['idempotency-key']);
  markReplay(c, replayed);
  return c.json({ secret: value.secret, previousSecretsExpireAt: value.previousSecretsExpireAt.toISOString() }, 200);
};

export const listDeliveries: RouteHandler<typeof routes.listDeliveries, AppEnv> = async (c) => {
  const page = await core.listEndpointDeliveries(c.get('db'), c.get('principal'), c.req.valid('param').endpoint_id, c.req.valid('query'));
  return c.json(
    {
      deliveries: page.items.map((d) => ({
        id: d.id,
        eventId: d.eventId,
        eventType: d.eventType as core.EventType,
        status: d.status,
        nextAttemptAt: iso(d.nextAttemptAt),
        createdAt: d.createdAt.toISOString(),
        completedAt: iso(d.completedAt),
        attempts: d.attempts.map((a) => ({ ...a, startedAt: a.startedAt.toISOString() })),
      })),
      nextCursor: page.nextCursor,
    },
    200,
  );
};

export const redeliver: RouteHandler<typeof routes.redeliver, AppEnv> = async (c) => {
  const body = c.req.valid('json');
  const what = body.eventId ? { eventId: body.eventId } : { since: body.since };
  const { value, replayed } = await core.redeliverEventsOnce(c.get('db'), c.get('principal'), c.get('webhooks') ?? {}, c.req.valid('param').endpoint_id, what, c.req.valid('header')['idempotency-key']);
  markReplay(c, replayed);
  return c.json(value, 202);
};
