// How export messages are delivered and retried, in one place: infra/queue.ts builds the queue, its
// dead-letter redrive and the worker from it (through packages/functions/src/groups.ts), and the
// configuration takes its defaults from it. No imports, so infrastructure code can load it alone.

export const EXPORT_DELIVERY = {
  /**
   * Receives of one message before SQS moves it to the dead-letter queue (the redrive policy's
   * maxReceiveCount); the worker treats the receive with this count as the last.
   */
  maxReceives: 4,
  /** The worker function's timeout. */
  workerTimeoutSeconds: 300,
  /** How long a run holds its job: at least the worker's timeout, so no run takes a job from a worker still on it. */
  leaseSeconds: 300,
  /**
   * How long SQS hides a received message: beyond the lease, so a message reported busy (another run
   * held the job) comes back once that run's lease has run out and the next receive may take the job
   * over. At least the worker's timeout too, as Lambda requires of an SQS trigger.
   */
  visibilityTimeoutSeconds: 360,
} as const;
