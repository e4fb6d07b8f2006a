import { backgroundFunctions } from '../packages/functions/src/groups';
import { databaseUrl } from './secrets';

// Webhooks: a queue of dispatch and delivery messages with its dead-letter queue, side by side, a worker
// subscribed to it, and a schedule that sends what no message will (a lost wake-up, a retry later than
// SQS's 15-minute delay). Every number comes from packages/core/src/webhooks/delivery.ts.
const { handler, delivery } = backgroundFunctions.webhookWorker;
const seconds = (n: number) => `${n} seconds` as const;

export const webhooksDeadLetterQueue = new sst.aws.Queue('WebhooksDeadLetter', {
  transform: { queue: { messageRetentionSeconds: 14 * 24 * 3600 } },
});

// Retries of a delivery are new (delayed) messages, so only messages whose database work failed come
// back; `retry` is the redrive policy's maxReceiveCount.
export const webhooksQueue = new sst.aws.Queue('WebhooksQueue', {
  dlq: { queue: webhooksDeadLetterQueue.arn, retry: delivery.maxReceives },
  visibilityTimeout: seconds(delivery.visibilityTimeoutSeconds),
});

// Endpoints answer within seconds: batches of records attempted together, each reported alone when it must come back.
webhooksQueue.subscribe(
  {
    handler,
    runtime: 'nodejs22.x',
    architecture: 'arm64',
    timeout: seconds(delivery.workerTimeoutSeconds),
    memory: '512 MB',
    link: [databaseUrl, webhooksQueue],
    environment: { DATABASE_DRIVER: 'neon' },
  },
  { batch: { size: delivery.batchSize, partialResponses: true } },
);

export const webhookSweep = new sst.aws.CronV2('WebhookSweep', {
  schedule: 'rate(1 minute)',
  function: {
    handler: backgroundFunctions.webhookSweep.handler,
    runtime: 'nodejs22.x',
    architecture: 'arm64',
    timeout: '1 minute',
    link: [databaseUrl, webhooksQueue],
    environment: { DATABASE_DRIVER: 'neon' },
  },
});
