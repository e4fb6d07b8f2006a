import { EXPORT_DELIVERY } from '@parley/core/export-delivery';
import { WEBHOOK_DELIVERY } from '@parley/core/webhook-delivery';
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

/** `ANY <path>` and `ANY <path>/{proxy+}`: a path and its subtree, as API Gateway route keys. */
const subtree = (path: string) => [`ANY ${path}`, `ANY ${path}/{proxy+}`];

/** A group whose Lambda handler is `api/<name>/lambda.ts`'s `handler`. */
const group = (name: string, routes: string[]): EndpointGroup => ({ name, routes, handler: `packages/functions/src/api/${name}/lambda.handler` });

export const endpointGroups: EndpointGroup[] = [
  group('chats', subtree('/api/v1/chats')),
  // With the members directory (the v2 contract has GET /members beside the chat actions).
  group('workspace-chats', [...subtree('/api/v2/w/{workspace_uuid}/chats'), 'ANY /api/v2/w/{workspace_uuid}/members']),
  // The workspace's configuration (contacts, channels, assistants, tools, labels): each resource's
  // list path and subtree. The chats subtree stays workspace-chats' (API Gateway picks the longest match).
  group('workspace', WORKSPACE_RESOURCES.flatMap((resource) => subtree(`/api/v2/w/{workspace_uuid}/${resource}`))),
  group('events', ['ANY /api/v2/w/{workspace_uuid}/events', ...subtree('/api/v2/w/{workspace_uuid}/webhook-endpoints')]),
  group('org-chats', subtree('/v1/orgs/{org_id}/chats')),
  group('statistics', subtree('/v1/chatbots/{chatbotId}/statistics')),
  group('keys', subtree('/api/v2/w/{workspace_uuid}/keys')),
  // ANY, as for the other groups: a wrong method reaches the function, which answers 405 with Allow.
  group('docs', ['ANY /openapi.json', ...subtree('/docs')]),
  // Its own small function: health checks neither wait on nor wake the API's.
  group('health', subtree('/health')),
];

/** Functions that serve no route: scheduled jobs and queue workers (see infra/cron.ts and infra/queue.ts). */
export const backgroundFunctions = {
  statsRollup: { name: 'stats-rollup', handler: 'packages/functions/src/workers/stats-rollup.handler' },
  /** With its delivery settings: infra/queue.ts builds the queue, the redrive and the worker from them. */
  exportWorker: { name: 'export-worker', handler: 'packages/functions/src/workers/export-worker.handler', delivery: EXPORT_DELIVERY },
  /** Webhook dispatch and delivery (infra/webhooks.ts), with its own delivery settings. */
  webhookWorker: { name: 'webhook-worker', handler: 'packages/functions/src/workers/webhook-worker.handler', delivery: WEBHOOK_DELIVERY },
  /** The webhook safety net: dispatches what no message asked for, sends stranded deliveries. */
  webhookSweep: { name: 'webhook-sweep', handler: 'packages/functions/src/workers/webhook-worker.sweepHandler' },
} as const;
