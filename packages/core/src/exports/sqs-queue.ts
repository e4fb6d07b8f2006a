import type { SQSClient } from '@aws-sdk/client-sqs';
import { commonJs } from '@parley/db';
import { encodeWebhookMessage, type WebhookQueue } from '../webhooks/ports.js';
import { encodeExportMessage, type ExportQueue } from './ports.js';

type SqsOptions = { queueUrl: string; region: string; endpoint?: string; credentials?: { accessKeyId: string; secretAccessKey: string } };

/** Message bodies sent to one SQS queue, in batches of 10 (SQS's limit), each delayed up to 900 s. */
export function createSqsSender(options: SqsOptions) {
  // The SDK is loaded on the first send: a request that queues nothing does not pay for it at cold start.
  let sqs: Promise<{ client: SQSClient; sdk: typeof import('@aws-sdk/client-sqs') }> | undefined;
  const open = () =>
    (sqs ??= import('@aws-sdk/client-sqs')
      .then(commonJs)
      .then((sdk) => ({ sdk, client: new sdk.SQSClient({ region: options.region, endpoint: options.endpoint, credentials: options.credentials }) })));
  return async (bodies: string[], delaySeconds = 0) => {
    const { client, sdk } = await open();
    const { SendMessageBatchCommand, SendMessageCommand } = sdk;
    // Left out when zero: the queue's own delay applies (none here), and the request stays as it was.
    const delay = Math.min(900, Math.max(0, Math.ceil(delaySeconds)));
    const DelaySeconds = delay > 0 ? delay : undefined;
    if (bodies.length === 1) {
      await client.send(new SendMessageCommand({ QueueUrl: options.queueUrl, MessageBody: bodies[0], DelaySeconds }));
      return;
    }
    for (let i = 0; i < bodies.length; i += 10) {
      const entries = bodies.slice(i, i + 10).map((MessageBody, j) => ({ Id: String(j), MessageBody, DelaySeconds }));
      const result = await client.send(new SendMessageBatchCommand({ QueueUrl: options.queueUrl, Entries: entries }));
      if (result.Failed?.length) throw new Error(`SQS refused ${result.Failed.length} of ${entries.length} messages`);
    }
  };
}

/** Export job ids sent to SQS; the export worker Lambda subscribes to the queue. */
export function createSqsExportQueue(options: SqsOptions): ExportQueue {
  const send = createSqsSender(options);
  return { send: (jobId) => send([encodeExportMessage(jobId)]) };
}

/** Webhook messages sent to SQS; the webhook worker Lambda subscribes to the queue. */
export function createSqsWebhookQueue(options: SqsOptions): WebhookQueue {
  const send = createSqsSender(options);
  return { send: (messages, delaySeconds) => send(messages.map(encodeWebhookMessage), delaySeconds) };
}
