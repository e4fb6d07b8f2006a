import { lambdaDeps } from '../../shared/lambda-deps.js';
import { lambdaHttpHandler } from '../../shared/lambda-http.js';
import { lambdaWebhookQueueServices } from '../../shared/lambda-webhook-queue.js';
import { createEventsApp } from './index.js';

export const handler = lambdaHttpHandler(createEventsApp({ ...lambdaDeps, webhooks: lambdaWebhookQueueServices }));
