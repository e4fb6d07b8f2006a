import { httpWebhookTransport, WEBHOOK_DELIVERY, type WebhookServices } from '@parley/core';
import { createSqsWebhookQueue } from '@parley/core/aws';
import { lambdaConfig } from './lambda-deps.js';

// The webhook adapters of a Lambda: the SQS queue SST links (infra/webhooks.ts) and HTTP with the SSRF
// guard. Only the functions that send webhook messages import this, so only they bundle the SQS client.

let services: WebhookServices | undefined;

export function lambdaWebhookServices(): WebhookServices {
  if (!services) {
    const cfg = lambdaConfig().webhooks;
    if (!cfg.queueUrl) throw new Error('No webhooks queue: link WebhooksQueue or set WEBHOOKS_QUEUE_URL');
    services = {
      queue: createSqsWebhookQueue({ queueUrl: cfg.queueUrl, region: cfg.region, endpoint: cfg.sqsEndpoint }),
      transport: httpWebhookTransport({ allowPrivateNetworks: cfg.allowPrivateNetworks }),
      retrySeconds: WEBHOOK_DELIVERY.retrySeconds,
      timeoutMs: cfg.timeoutMs,
      leaseSeconds: WEBHOOK_DELIVERY.leaseSeconds,
      allowPrivateNetworks: cfg.allowPrivateNetworks,
    };
  }
  return services;
}
