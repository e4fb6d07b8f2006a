// How webhook messages are delivered and retried, in one place: infra (the queue, its dead-letter queue
// and the worker) and the configuration read it. No imports, so infrastructure code can load it alone.

export const WEBHOOK_DELIVERY = {
  /**
   * Seconds between attempts of one delivery after each failure (before jitter of ±20%): 8 attempts in
   * all over about 27 hours, after the Standard Webhooks recommendation. A delivery that fails them all is
   * failed for good, and its endpoint disabled unless it has succeeded since the delivery began.
   */
  retrySeconds: [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000],
  /** The longest an endpoint may take to answer. */
  timeoutSeconds: 5,
  /** Receives of one queue message before the DLQ: only infrastructure failures (the database) count. */
  maxReceives: 5,
  /** Queue messages per worker invocation: a batch's deliveries are claimed, sent and recorded together. */
  batchSize: 10,
  /** The worker function's timeout: one batch of attempts. */
  workerTimeoutSeconds: 60,
  /** Beyond the worker's timeout, as Lambda requires of an SQS trigger. */
  visibilityTimeoutSeconds: 90,
  /** How long an attempt holds its delivery: the timeout and the bookkeeping around it. */
  leaseSeconds: 30,
  /** SQS's longest message delay: later retries are sent by the sweep when due. */
  maxDelaySeconds: 900,
  /** A due delivery whose message has not come this long after it was due is sent again by the sweep. */
  lostAfterSeconds: 120,
} as const;
