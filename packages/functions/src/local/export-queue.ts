import { createHash, randomUUID } from 'node:crypto';
import { encodeExportMessage, type ExportQueue } from '@parley/core';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/** An SQS record as Lambda hands it over, for the in-process queue and tests. */
export function sqsRecord(body: string, options: { messageId?: string; receiveCount?: number; sentAt?: number } = {}): SQSRecord {
  const now = Date.now();
  return {
    messageId: options.messageId ?? randomUUID(),
    receiptHandle: randomUUID(),
    body,
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: String(options.sentAt ?? now),
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: String(now),
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:local:000000000000:ExportsQueue',
    awsRegion: 'local',
  };
}

export interface InProcessExportQueue extends ExportQueue {
  /** Messages that failed every delivery, as SQS would move them to the dead-letter queue. */
  readonly deadLetters: Array<{ messageId: string; body: string; receives: number }>;
  /** Whether a message for the job is waiting or being delivered. */
  isPending(jobId: string): boolean;
  /** Resolves once no message is waiting or being delivered. */
  drain(): Promise<void>;
}

/**
 * SQS semantics in one process: each message is delivered to the worker as a one-record SQSEvent; one
 * reported in `batchItemFailures` (or whose delivery throws) comes back after `visibilityTimeoutMs`, up to
 * `maxReceives` deliveries, and then goes to `deadLetters`. As on SQS, the visibility timeout must exceed
 * the worker's lease: a message that found its job held by another run comes back once that run's lease
 * has run out, and the next delivery can take the job over.
 */
export function createInProcessExportQueue(
  worker: (event: SQSEvent) => Promise<SQSBatchResponse>,
  options: { maxReceives: number; visibilityTimeoutMs: number },
): InProcessExportQueue {
  const deadLetters: InProcessExportQueue['deadLetters'] = [];
  /** Messages waiting or being delivered, by job id. */
  const pending = new Map<string, number>();
  let inFlight = 0;
  let waiters: Array<() => void> = [];
  const settle = (jobId: string) => {
    const left = (pending.get(jobId) ?? 1) - 1;
    if (left > 0) pending.set(jobId, left);
    else pending.delete(jobId);
    if (--inFlight === 0) {
      for (const resolve of waiters) resolve();
      waiters = [];
    }
  };
  const deliver = async (message: { messageId: string; jobId: string; body: string; receives: number; sentAt: number }) => {
    message.receives++;
    let failed: boolean;
    try {
      const response = await worker({ Records: [sqsRecord(message.body, { messageId: message.messageId, receiveCount: message.receives, sentAt: message.sentAt })] });
      failed = response.batchItemFailures.some((f) => f.itemIdentifier === message.messageId);
    } catch {
      failed = true;
    }
    if (!failed) return settle(message.jobId);
    if (message.receives >= options.maxReceives) {
      deadLetters.push({ messageId: message.messageId, body: message.body, receives: message.receives });
      return settle(message.jobId);
    }
    setTimeout(() => void deliver(message), options.visibilityTimeoutMs);
  };
  return {
    deadLetters,
    async send(jobId) {
      inFlight++;
      pending.set(jobId, (pending.get(jobId) ?? 0) + 1);
      const message = { messageId: randomUUID(), jobId, body: encodeExportMessage(jobId), receives: 0, sentAt: Date.now() };
      setImmediate(() => void deliver(message));
    },
    isPending: (jobId) => pending.has(jobId),
    drain: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
  };
}

/** The local queue's visibility timeout for a lease: a second beyond it. */
export function visibilityTimeoutMsFor(leaseSeconds: number): number {
  return (leaseSeconds + 1) * 1000;
}
