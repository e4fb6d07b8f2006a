import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { encodeExportMessage, type ExportQueue } from './ports.js';

/** Export job ids sent to SQS; the export worker Lambda subscribes to the queue. */
export function createSqsExportQueue(options: { queueUrl: string; region: string; endpoint?: string; credentials?: { accessKeyId: string; secretAccessKey: string } }): ExportQueue {
  const client = new SQSClient({ region: options.region, endpoint: options.endpoint, credentials: options.credentials });
  return {
    async send(jobId) {
      await client.send(new SendMessageCommand({ QueueUrl: options.queueUrl, MessageBody: encodeExportMessage(jobId) }));
    },
  };
}
