import { EXPORT_DELIVERY } from '@parley/core/export-delivery';
import { WORKSPACE_RESOURCES } from './api/workspace/resources.js';

// The endpoint groups: one Hono app and one Lambda function each. infra/api.ts and the local
// server both read this list, so the deployed routes and the local ones cannot disagree.

export interface EndpointGroup {
  /** Short name; also the function's name in infra and the bundle folder under dist/. */
  name: string;
  /** API Gateway route keys (`METHOD /path`, `{proxy+}` for subtrees) served by this group. */
  routes: string[];
  /** The Lambda handler, relative to the repository root (file without extension + export). */
  handler: string;
}

export const endpointGroups: EndpointGroup[] = [
  {
    name: 'chats',
    routes: ['ANY /api/v1/chats', 'ANY /api/v1/chats/{proxy+}'],
    handler: 'packages/functions/src/api/chats/lambda.handler',
  },
  {
    name: 'workspace-chats',
    // With the members directory (seed 004 names GET /members beside the chat actions).
    routes: ['ANY /api/v2/w/{workspace_uuid}/chats', 'ANY /api/v2/w/{workspace_uuid}/chats/{proxy+}', 'ANY /api/v2/w/{workspace_uuid}/members'],
    handler: 'packages/functions/src/api/workspace-chats/lambda.handler',
  },
  {
    // The workspace's configuration (contacts, channels, assistants, tools, labels): each resource's
    // list path and subtree. The chats subtree stays workspace-chats' (API Gateway picks the longest match).
    name: 'workspace',
    routes: WORKSPACE_RESOURCES.flatMap((resource) => [`ANY /api/v2/w/{workspace_uuid}/${resource}`, `ANY /api/v2/w/{workspace_uuid}/${resource}/{proxy+}`]),
    handler: 'packages/functions/src/api/workspace/lambda.handler',
  },
  {
    name: 'events',
    routes: ['ANY /api/v2/w/{workspace_uuid}/events', 'ANY /api/v2/w/{workspace_uuid}/webhook-endpoints', 'ANY /api/v2/w/{workspace_uuid}/webhook-endpoints/{proxy+}'],
    handler: 'packages/functions/src/api/events/lambda.handler',
  },
  {
    name: 'org-chats',
    routes: ['ANY /v1/orgs/{org_id}/chats', 'ANY /v1/orgs/{org_id}/chats/{proxy+}'],
    handler: 'packages/functions/src/api/org-chats/lambda.handler',
  },
  {
    name: 'statistics',
    routes: ['ANY /v1/chatbots/{chatbotId}/statistics', 'ANY /v1/chatbots/{chatbotId}/statistics/{proxy+}'],
    handler: 'packages/functions/src/api/statistics/lambda.handler',
  },
  {
    name: 'keys',
    routes: ['ANY /api/v2/w/{workspace_uuid}/keys', 'ANY /api/v2/w/{workspace_uuid}/keys/{proxy+}'],
    handler: 'packages/functions/src/api/keys/lambda.handler',
  },
  {
    name: 'docs',
    // ANY, as for the other groups: a wrong method reaches the function, which answers 405 with Allow.
    routes: ['ANY /openapi.json', 'ANY /docs', 'ANY /docs/{proxy+}'],
    handler: 'packages/functions/src/api/docs/lambda.handler',
  },
  {
    // Its own small function: health checks neither wait on nor wake the API's.
    name: 'health',
    routes: ['ANY /health', 'ANY /health/{proxy+}'],
    handler: 'packages/functions/src/api/health/lambda.handler',
  },
];

/** Functions that serve no route: scheduled jobs and queue workers (see infra/cron.ts and infra/queue.ts). */
export const backgroundFunctions = {
  statsRollup: { name: 'stats-rollup', handler: 'packages/functions/src/workers/stats-rollup.handler' },
  /** With its delivery settings: infra/queue.ts builds the queue, the redrive and the worker from them. */
  exportWorker: { name: 'export-worker', handler: 'packages/functions/src/workers/export-worker.handler', delivery: EXPORT_DELIVERY },
} as const;
