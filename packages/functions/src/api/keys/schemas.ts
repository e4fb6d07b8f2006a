import '@hono/zod-openapi'; // first: it gives zod's schemas .openapi()
import * as z from 'zod';
import { KEY_NAME_MAX_CHARS, KEY_ROTATION_GRACE_MAX_SECONDS, MAX_KEY_LIFETIME_DAYS, MIN_KEY_LIFETIME_SECONDS, SCOPES } from '@parley/core';
import { instant, pageCursor, pageLimit, Uuid } from '../../shared/params.js';
import { pageOf } from '../../shared/wire.js';

export const WorkspaceParams = z.object({
  workspace_uuid: Uuid.openapi({ param: { name: 'workspace_uuid', in: 'path' }, description: "The workspace's id: the API key's own (any other answers 404)." }),
});

export const KeyParams = WorkspaceParams.extend({
  key_id: z
    .string()
    .min(1)
    .max(64, 'is not the id of a key')
    .openapi({ param: { name: 'key_id', in: 'path' }, description: "The key's id, or its prefix `prl_<id>` (any other value answers 404).", example: 'prl_AbCdEf012345' }),
});

const Scope = z.enum(SCOPES).openapi({ description: 'A scope; broader ones grant narrower ones (`chats:admin` grants `chats:write` and `chats:read`, `statistics:export` grants `statistics:read`).' });

export const ApiKey = z
  .object({
    id: z.string().openapi({ example: 'AbCdEf012345' }),
    prefix: z.string().openapi({ description: 'The public start of the key (`prl_<id>`), as request logs show it.', example: 'prl_AbCdEf012345' }),
    name: z.string(),
    scopes: z.array(Scope),
    memberId: z.number().int().openapi({ description: 'The member the key acts as.' }),
    memberName: z.string(),
    state: z.enum(['active', 'expired', 'revoked']),
    createdAt: z.string().openapi({ format: 'date-time' }),
    lastUsedAt: z.string().nullable().openapi({ format: 'date-time', description: 'When the key last authenticated a request, to the minute (recorded at most once a minute).' }),
    expiresAt: z.string().nullable().openapi({ format: 'date-time', description: 'Null: the key does not expire.' }),
    revokedAt: z.string().nullable().openapi({ format: 'date-time' }),
    rotatedAt: z.string().nullable().openapi({ format: 'date-time', description: 'When the key last got a new secret.' }),
    previousSecretExpiresAt: z
      .string()
      .nullable()
      .openapi({ format: 'date-time', description: "While a rotation's grace period runs: until when the previous secret still works; null otherwise." }),
  })
  .openapi('ApiKey');

export const ApiKeyWithToken = ApiKey.extend({
  token: z.string().openapi({ description: 'The whole key, to send as `Authorization: Bearer <token>`. Shown only in this answer: it is stored hashed.', example: 'prl_AbCdEf012345_…' }),
}).openapi('ApiKeyWithToken');

export const ApiKeyList = pageOf('keys', ApiKey, 'ApiKeyList');

export const ListKeysQuery = z.strictObject({
  limit: pageLimit('Keys', 20),
  cursor: pageCursor(500),
});

export const CreateKeyBody = z
  .strictObject({
    name: z.string().min(1).max(KEY_NAME_MAX_CHARS).optional().openapi({ description: `A label, 1 to ${KEY_NAME_MAX_CHARS} characters (default \`API key\`).` }),
    scopes: z
      .array(Scope)
      .min(1, 'must name at least one scope')
      .max(SCOPES.length)
      .openapi({ description: 'What the key may do; only scopes the calling key holds itself.' }),
    memberId: z.number().int().min(1).max(2_147_483_647).optional().openapi({ description: "The member the key acts as (a user of the workspace); default: the calling key's member." }),
    expiresAt: instant(
      `When the key stops working (401 \`key_expired\` after); at least ${MIN_KEY_LIFETIME_SECONDS} seconds and at most ${MAX_KEY_LIFETIME_DAYS} days ahead. Absent: it does not expire.`,
    ).optional(),
  })
  .openapi('CreateApiKeyRequest');

export const RotateKeyBody = z
  .strictObject({
    gracePeriodSeconds: z
      .number()
      .int()
      .min(0)
      .max(KEY_ROTATION_GRACE_MAX_SECONDS)
      .optional()
      .openapi({ description: `How long the previous secret keeps working, 0 to ${KEY_ROTATION_GRACE_MAX_SECONDS} seconds (7 days); default API_KEY_ROTATION_GRACE_SECONDS (24 hours unless configured).` }),
  })
  .openapi('RotateApiKeyRequest');
