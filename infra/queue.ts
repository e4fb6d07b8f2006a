import { backgroundFunctions } from '../packages/functions/src/groups';
import { exportsBucket } from './storage';
import { databaseUrl } from './secrets';

// The exports queue and its dead-letter queue, side by side: a message that fails three deliveries
// moves to the DLQ, which keeps it for the SQS maximum of 14 days for inspection and redrive.
export const exportsDeadLetterQueue = new sst.aws.Queue('ExportsDeadLetter', {
  transform: { queue: { messageRetentionSeconds: 14 * 24 * 3600 } },
});

// SST requires linkable components to have unique names, so this cannot be `Exports` like the bucket.
export const exportsQueue = new sst.aws.Queue('ExportsQueue', {
  dlq: { queue: exportsDeadLetterQueue.arn, retry: 3 },
  // Lambda requires the visibility timeout to be at least the subscriber's timeout.
  visibilityTimeout: '5 minutes',
});

// One export per invocation; a failed message is reported alone (partial batch response) and retried.
// DATABASE_DRIVER is left to default to `pg`: exports read in bulk over TCP, which the Neon driver cannot.
exportsQueue.subscribe(
  {
    handler: backgroundFunctions.exportWorker.handler,
    runtime: 'nodejs22.x',
    architecture: 'arm64',
    timeout: '5 minutes',
    memory: '512 MB',
    link: [databaseUrl, exportsBucket],
  },
  { batch: { size: 1, partialResponses: true } },
);
