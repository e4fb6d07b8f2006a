import type { RouteHandler } from '@hono/zod-openapi';
import * as core from '@parley/core';
import type { AppEnv } from '../../shared/env.js';
import { iso } from '../../shared/wire.js';
import type * as routes from './routes.js';

function toApiKey(k: core.KeyView) {
  return {
    id: k.id,
    prefix: k.prefix,
    name: k.name,
    scopes: k.scopes,
    memberId: k.memberId,
    memberName: k.memberName,
    state: k.state,
    createdAt: k.createdAt.toISOString(),
    lastUsedAt: iso(k.lastUsedAt),
    expiresAt: iso(k.expiresAt),
    revokedAt: iso(k.revokedAt),
    rotatedAt: iso(k.rotatedAt),
    previousSecretExpiresAt: iso(k.previousSecretExpiresAt),
  };
}

export const listApiKeys: RouteHandler<typeof routes.listApiKeys, AppEnv> = async (c) => {
  const page = await core.listKeys(c.get('db'), { principal: c.get('principal') }, c.req.valid('query'));
  return c.json({ keys: page.keys.map(toApiKey), hasMore: page.hasMore, nextCursor: page.nextCursor }, 200);
};

export const createApiKey: RouteHandler<typeof routes.createApiKey, AppEnv> = async (c) => {
  const body = c.req.valid('json');
  const { key, token } = await core.createKey(c.get('db'), { principal: c.get('principal') }, body);
  return c.json({ ...toApiKey(key), token }, 201);
};

export const getApiKey: RouteHandler<typeof routes.getApiKey, AppEnv> = async (c) => {
  return c.json(toApiKey(await core.getKey(c.get('db'), { principal: c.get('principal') }, c.req.valid('param').key_id)), 200);
};

export const revokeApiKey: RouteHandler<typeof routes.revokeApiKey, AppEnv> = async (c) => {
  return c.json(toApiKey(await core.revokeKey(c.get('db'), { principal: c.get('principal') }, c.req.valid('param').key_id)), 200);
};

export const rotateApiKey: RouteHandler<typeof routes.rotateApiKey, AppEnv> = async (c) => {
  const body = (c.req.valid('json') ?? {}) as { gracePeriodSeconds?: number };
  const grace = body.gracePeriodSeconds ?? c.get('keySettings').rotationGraceSeconds;
  const { key, token } = await core.rotateKey(c.get('db'), { principal: c.get('principal') }, c.req.valid('param').key_id, grace);
  return c.json({ ...toApiKey(key), token }, 200);
};
