import { httpWebhookTransport, WEBHOOK_DELIVERY, type WebhookServices } from '@parley/core';
import { lambdaConfig } from './lambda-config.js';
import { lambdaWebhookQueueServices } from './lambda-webhook-queue.js';

// The webhook adapters of the webhook worker: the SQS queue SST links (lambda-webhook-queue.ts, which the
// API functions use alone) and HTTP with the SSRF guard.

let services: WebhookServices | undefined;

export function lambdaWebhookServices(): WebhookServices {
  if (!services) {
    const cfg = lambdaConfig().webhooks;
    services = {
      queue: lambdaWebhookQueueServices().queue,
      transport: httpWebhookTransport({ allowPrivateNetworks: cfg.allowPrivateNetworks }),
      retrySeconds: WEBHOOK_DELIVERY.retrySeconds,
      timeoutMs: cfg.timeoutMs,
      leaseSeconds: WEBHOOK_DELIVERY.leaseSeconds,
      allowPrivateNetworks: cfg.allowPrivateNetworks,
    };
  }
  return services;
}
