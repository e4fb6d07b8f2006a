import { bodyErrorResponses, commonErrorResponses, ErrorBody } from '../../shared/errors.js';
import { authorizedRoute, body, json } from '../../shared/route.js';
import { ApiKey, ApiKeyList, ApiKeyWithToken, CreateKeyBody, KeyParams, ListKeysQuery, RotateKeyBody, WorkspaceParams } from './schemas.js';

const tags = ['API keys'];
const base = '/api/v2/w/{workspace_uuid}/keys';
const ADMIN = "The calling key must belong to an admin member of the workspace (403 otherwise).";
const access = { permission: 'keys:admin' as const };

export const listApiKeys = authorizedRoute(access, {
  operationId: 'listApiKeys',
  method: 'get',
  path: base,
  tags,
  summary: 'List the API keys of the workspace.',
  description: `Every key of the workspace, newest first, revoked and expired ones included, without secrets. ${ADMIN}`,
  request: { params: WorkspaceParams, query: ListKeysQuery },
  responses: { 200: json(ApiKeyList, 'A page of keys.'), ...commonErrorResponses },
});

export const createApiKey = authorizedRoute(access, {
  operationId: 'createApiKey',
  method: 'post',
  path: base,
  tags,
  summary: 'Create an API key.',
  description:
    'Creates a key with scopes, a name and an optional expiry, acting as a member of the workspace, and returns it with its token: the only copy. ' +
    `A key grants only scopes the calling key holds (403 otherwise). 404 for an unknown member. ${ADMIN}`,
  request: { params: WorkspaceParams, body: body(CreateKeyBody) },
  responses: { 201: json(ApiKeyWithToken, 'The new key, with its token.'), ...commonErrorResponses, ...bodyErrorResponses },
});

export const getApiKey = authorizedRoute(access, {
  operationId: 'getApiKey',
  method: 'get',
  path: `${base}/{key_id}`,
  tags,
  summary: 'Get an API key.',
  description: `One key of the workspace, without its secret. ${ADMIN}`,
  request: { params: KeyParams },
  responses: { 200: json(ApiKey, 'The key.'), ...commonErrorResponses },
});

export const revokeApiKey = authorizedRoute(access, {
  operationId: 'revokeApiKey',
  method: 'post',
  path: `${base}/{key_id}/revoke`,
  tags,
  summary: 'Revoke an API key.',
  description: `Revokes the key at once: its next request answers 401, whichever secret it sends. Revoking a revoked key changes nothing. ${ADMIN}`,
  request: { params: KeyParams },
  responses: { 200: json(ApiKey, 'The revoked key.'), ...commonErrorResponses },
});

export const rotateApiKey = authorizedRoute(access, {
  operationId: 'rotateApiKey',
  method: 'post',
  path: `${base}/{key_id}/rotate`,
  tags,
  summary: 'Rotate an API key: give it a new secret.',
  description:
    'Gives the key a new secret and returns its new token (the only copy). The key keeps its id, scopes, member, expiry and rate limit. ' +
    'The previous secret keeps working for the grace period (`gracePeriodSeconds`, default 24 hours), then answers 401 `key_expired`; ' +
    `a secret from before an earlier rotation stops at once. 409 for a revoked or expired key. ${ADMIN}`,
  request: { params: KeyParams, body: { required: false, content: { 'application/json': { schema: RotateKeyBody } } } },
  responses: {
    200: json(ApiKeyWithToken, 'The key, with its new token.'),
    ...commonErrorResponses,
    409: json(ErrorBody, 'The key is revoked or expired (`conflict`).'),
    ...bodyErrorResponses,
  },
});
