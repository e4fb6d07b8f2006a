import { OpenAPIHono } from '@hono/zod-openapi';
import { securitySchemes } from '../../shared/app.js';
import type { AppDeps, AppEnv } from '../../shared/env.js';
import { groupApps } from '../apps.js';

// The OpenAPI document, apart from the docs app (index.ts): it builds every group's app, with all their
// schemas, so the docs function loads it on the first GET /openapi.json, not for /docs and its assets.

const info = {
  title: 'Parley API',
  version: '0.1.0',
  description: [
    'Conversations backend for AI-assistant and customer-messaging platforms: chats, messages, participants, ' +
      'assistants, statistics and exports. Authenticate with an API key as `Authorization: Bearer <key>`, a bare ' +
      '`Authorization: <key>`, or `x-api-key: <key>` (the statistics endpoints also take `x-chatcaptain-key: <key>`). Errors have the shape `{ error: { code, message, requestId, issues? } }`.',
    'Conventions of every endpoint:',
    '- A trailing slash is ignored: `/api/v1/chats/` is `/api/v1/chats`, for every method (no redirect).',
    '- A method a path does not take answers `405` (`method_not_allowed`) with `Allow`; an unknown path `404`.',
    '- Request bodies are JSON, sent with `Content-Type: application/json`; any other body answers `415` (`unsupported_media_type`).',
    '- Responses over 1 KB are compressed (`br` or `gzip`) when `Accept-Encoding` allows.',
    '- Every `200` answer to a `GET` carries a weak `ETag`; sending it back in `If-None-Match` answers `304 Not Modified` while the response is unchanged.',
    '- `OPTIONS` answers without a key (`204` with `Allow`); browsers may call from the origins the server is configured with (CORS).',
    '- Every response carries `X-Request-Id` (the one the client sent, if any), also in error bodies.',
    '- Rate limits per API key: every authenticated response carries `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (seconds) and `RateLimit-Policy` (`<limit>;w=<window seconds>`); past the limit the answer is `429` (`rate_limited`) with `Retry-After`. Keys holding `chats:admin` or `keys:admin` have the admin class\'s limit, others the default\'s.',
  ].join('\n'),
  license: { name: 'MIT', identifier: 'MIT' },
};

/** The document's tags: one per endpoint group, by its name in groups.ts. */
const GROUP_TAGS: Record<string, { name: string; description: string }> = {
  chats: { name: 'Chats', description: "Chats of the key's workspace (`/api/v1/chats`): list, read, create, update and remove, with their owner, responder and last messages." },
  'workspace-chats': {
    name: 'Workspace chats',
    description:
      'The workspace inbox by integer chat id (`/api/v2/w/{workspace_uuid}/chats`): lists and counts, CSV exports, participants, messages and ratings, assistant replies delivered by SMS or email, summaries and tools.',
  },
  workspace: {
    name: 'Workspace',
    description:
      "The workspace's configuration (`/api/v2/w/{workspace_uuid}/...`): contacts (the owners of chats), channels, assistants with their versions, squads, chat tools and label definitions; lists paged by cursor and searchable by name.",
  },
  events: {
    name: 'Events',
    description:
      'Events of the workspace (`/api/v2/w/{workspace_uuid}/events`, `/webhook-endpoints`): the changefeed in log order behind a cursor, and webhook endpoints that receive every event signed per the Standard Webhooks specification, with their delivery log and redelivery. Each event type is described under `webhooks`.',
  },
  'org-chats': { name: 'Org chats', description: 'The org inbox (`/v1/orgs/{org_id}/chats`): chats with their contact, assignment and state, and read markers.' },
  statistics: { name: 'Statistics', description: 'Reports, inbox statistics, channels and CSV exports of one chatbot (`/v1/chatbots/{chatbotId}/statistics`).' },
  keys: {
    name: 'API keys',
    description: 'The API keys of a workspace (`/api/v2/w/{workspace_uuid}/keys`): create with scopes and an expiry, list without secrets, revoke, and rotate with a grace period. Needs `keys:admin` on an admin member\'s key.',
  },
  health: { name: 'Health', description: 'Liveness and readiness checks for load balancers and monitors; no key needed.' },
};

// Relative: the server that serves this document (the local server, or the deployed API's domain).
const servers = [{ url: '/', description: 'The server this document is served from' }];

type Operation = { tags?: string[] };

/** One OpenAPI 3.1 document for every group, generated from the zod schemas that validate requests. */
export function buildOpenApiDocument(deps: AppDeps) {
  const all = new OpenAPIHono<AppEnv>();
  const tagOf = new Map<string, string>();
  for (const [group, create] of Object.entries(groupApps)) {
    const tag = GROUP_TAGS[group];
    if (!tag) throw new Error(`Endpoint group ${group} has no tag`);
    const app = create(deps);
    for (const definition of app.openAPIRegistry.definitions) {
      if (definition.type === 'route') tagOf.set(`${definition.route.method} ${definition.route.path}`, tag.name);
    }
    all.route('/', app);
  }
  for (const [name, scheme] of Object.entries(securitySchemes)) all.openAPIRegistry.registerComponent('securitySchemes', name, scheme);
  const document = all.getOpenAPI31Document({ openapi: '3.1.0', info, servers, tags: Object.values(GROUP_TAGS) });
  // Each operation under its group's tag, so generated clients and the reference group them alike.
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(item as Record<string, Operation>)) {
      const tag = tagOf.get(`${method} ${path}`);
      if (tag) operation.tags = [tag];
    }
  }
  // Webhooks are named by event type; merging the groups' apps prefixed each name with their base path.
  if (document.webhooks) document.webhooks = Object.fromEntries(Object.entries(document.webhooks).map(([name, item]) => [name.replace(/^\/+/, ''), item]));
  return document;
}
