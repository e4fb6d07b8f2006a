import type { WebhookServices } from '@parley/core';
import { createSqsWebhookQueue } from '@parley/core/aws';
import { lambdaConfig } from './lambda-config.js';

// The webhook queue of a Lambda (the SQS queue SST links, infra/webhooks.ts), apart from the HTTP
// transport (lambda-webhook-deps.ts): the API functions only queue (new events, redeliveries), so they
// bundle neither the transport nor node:http and node:https; only the webhook worker sends.

/** What the API side of webhooks uses: the queue and whether endpoints may be on private networks. */
export type WebhookQueueServices = Pick<WebhookServices, 'queue' | 'allowPrivateNetworks'>;

let services: WebhookQueueServices | undefined;

export function lambdaWebhookQueueServices(): WebhookQueueServices {
  if (!services) {
    const cfg = lambdaConfig().webhooks;
    if (!cfg.queueUrl) throw new Error('No webhooks queue: link WebhooksQueue or set WEBHOOKS_QUEUE_URL');
    services = { queue: createSqsWebhookQueue({ queueUrl: cfg.queueUrl, region: cfg.region, endpoint: cfg.sqsEndpoint }), allowPrivateNetworks: cfg.allowPrivateNetworks };
  }
  return services;
}
