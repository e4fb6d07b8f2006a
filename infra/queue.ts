import { backgroundFunctions } from '../packages/functions/src/groups';
import { exportsBucket } from './storage';
import { databaseUrl } from './secrets';

// Every number of the export delivery (receives, lease, visibility, timeout) comes from one place,
// shared with the worker's configuration (packages/core/src/exports/delivery.ts).
const { handler, delivery } = backgroundFunctions.exportWorker;
const seconds = (n: number) => `${n} seconds` as const;

// The exports queue and its dead-letter queue, side by side: a message received `maxReceives` times
// without success moves to the DLQ, which keeps it for the SQS maximum of 14 days for inspection and redrive.
export const exportsDeadLetterQueue = new sst.aws.Queue('ExportsDeadLetter', {
  transform: { queue: { messageRetentionSeconds: 14 * 24 * 3600 } },
});

// SST requires linkable components to have unique names, so this cannot be `Exports` like the bucket.
export const exportsQueue = new sst.aws.Queue('ExportsQueue', {
  // SST writes `retry` as the redrive policy's maxReceiveCount: receives in all, not retries after the first.
  dlq: { queue: exportsDeadLetterQueue.arn, retry: delivery.maxReceives },
  // Beyond the lease (a message reported busy comes back when the run holding the job has lost it) and
  // at least the subscriber's timeout, as Lambda requires.
  visibilityTimeout: seconds(delivery.visibilityTimeoutSeconds),
});

// One export per invocation; a failed message is reported alone (partial batch response) and retried.
// DATABASE_DRIVER is left to default to `pg`: exports read in bulk over TCP, which the Neon driver cannot.
exportsQueue.subscribe(
  {
    handler,
    runtime: 'nodejs22.x',
    // What a request path loads on demand (AWS SDK, nodemailer, ajv, markdown) in chunks of its own, as scripts/build.ts does.
    nodejs: { splitting: true },
    architecture: 'arm64',
    timeout: seconds(delivery.workerTimeoutSeconds),
    memory: '512 MB',
    link: [databaseUrl, exportsBucket],
    // The worker knows which receive is the last, and how long its claim holds, from the queue's own numbers.
    environment: { EXPORT_MAX_RECEIVES: String(delivery.maxReceives), EXPORT_LEASE_SECONDS: String(delivery.leaseSeconds) },
  },
  { batch: { size: 1, partialResponses: true } },
);
