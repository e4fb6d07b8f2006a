import type { SQSClient } from '@aws-sdk/client-sqs';
import { commonJs } from '@parley/db';
import { encodeExportMessage, type ExportQueue } from './ports.js';

/** Export job ids sent to SQS; the export worker Lambda subscribes to the queue. */
export function createSqsExportQueue(options: { queueUrl: string; region: string; endpoint?: string; credentials?: { accessKeyId: string; secretAccessKey: string } }): ExportQueue {
  // Loaded on first send: the request paths that never queue an export do not pay for the SDK at cold start.
  let sqs: Promise<{ client: SQSClient; sdk: typeof import('@aws-sdk/client-sqs') }> | undefined;
  const open = () =>
    (sqs ??= import('@aws-sdk/client-sqs').then(commonJs).then((sdk) => ({
      sdk,
      client: new sdk.SQSClient({ region: options.region, endpoint: options.endpoint, credentials: options.credentials }),
    })));
  return {
    async send(jobId) {
      const { client, sdk } = await open();
      await client.send(new sdk.SendMessageCommand({ QueueUrl: options.queueUrl, MessageBody: encodeExportMessage(jobId) }));
    },
  };
}
