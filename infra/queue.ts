// The exports queue and its dead-letter queue, side by side: a message that fails three deliveries
// lands in the DLQ. The export worker subscribes to the queue with partial batch responses
// (`exportsQueue.subscribe({ handler: 'packages/functions/src/workers/export-worker.handler', ... },
// { batch: { size: 1, partialResponses: true } })`) in the change that adds that worker.
export const exportsDeadLetterQueue = new sst.aws.Queue('ExportsDeadLetter', {
  transform: { queue: { messageRetentionSeconds: 14 * 24 * 3600 } },
});

export const exportsQueue = new sst.aws.Queue('Exports', {
  visibilityTimeout: '6 minutes',
  dlq: { queue: exportsDeadLetterQueue.arn, retry: 3 },
});
