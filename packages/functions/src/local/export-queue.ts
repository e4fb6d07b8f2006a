import { createHash, randomUUID } from 'node:crypto';
import { encodeExportMessage, encodeWebhookMessage, type ExportQueue, type WebhookQueue } from '@parley/core';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/** An SQS record as Lambda hands it over, for the in-process queue and tests. */
export function sqsRecord(body: string, options: { messageId?: string; receiveCount?: number; sentAt?: number; queue?: string } = {}): SQSRecord {
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
    eventSourceARN: `arn:aws:sqs:local:000000000000:${options.queue ?? 'ExportsQueue'}`,
    awsRegion: 'local',
  };
}

export interface InProcessQueue {
  /** Sends a body under `key` (what isPending asks about), delivered after `delayMs`. */
  send(key: string, body: string, delayMs?: number): void;
  /** Messages that failed every delivery, as SQS would move them to the dead-letter queue. */
  readonly deadLetters: Array<{ messageId: string; body: string; receives: number }>;
  /** Whether a message under the key is waiting or being delivered. */
  isPending(key: string): boolean;
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
export function createInProcessQueue(
  worker: (event: SQSEvent) => Promise<SQSBatchResponse>,
  options: { maxReceives: number; visibilityTimeoutMs: number; queue?: string },
): InProcessQueue {
  const deadLetters: InProcessQueue['deadLetters'] = [];
  /** Messages waiting or being delivered, by key. */
  const pending = new Map<string, number>();
  let inFlight = 0;
  let waiters: Array<() => void> = [];
  const settle = (key: string) => {
    const left = (pending.get(key) ?? 1) - 1;
    if (left > 0) pending.set(key, left);
    else pending.delete(key);
    if (--inFlight === 0) {
      for (const resolve of waiters) resolve();
      waiters = [];
    }
  };
  const deliver = async (message: { messageId: string; key: string; body: string; receives: number; sentAt: number }) => {
    message.receives++;
    let failed: boolean;
    try {
      const response = await worker({ Records: [sqsRecord(message.body, { messageId: message.messageId, receiveCount: message.receives, sentAt: message.sentAt, queue: options.queue })] });
      failed = response.batchItemFailures.some((f) => f.itemIdentifier === message.messageId);
    } catch {
      failed = true;
    }
    if (!failed) return settle(message.key);
    if (message.receives >= options.maxReceives) {
      deadLetters.push({ messageId: message.messageId, body: message.body, receives: message.receives });
      return settle(message.key);
    }
    setTimeout(() => void deliver(message), options.visibilityTimeoutMs);
  };
  return {
    deadLetters,
    send(key, body, delayMs = 0) {
      inFlight++;
      pending.set(key, (pending.get(key) ?? 0) + 1);
      const message = { messageId: randomUUID(), key, body, receives: 0, sentAt: Date.now() };
      if (delayMs > 0) setTimeout(() => void deliver(message), delayMs);
      else setImmediate(() => void deliver(message));
    },
    isPending: (key) => pending.has(key),
    drain: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
  };
}

export interface InProcessExportQueue extends ExportQueue {
  readonly deadLetters: InProcessQueue['deadLetters'];
  /** Whether a message for the job is waiting or being delivered. */
  isPending(jobId: string): boolean;
  drain(): Promise<void>;
}

/** The exports queue in one process: job ids to the export worker. */
export function createInProcessExportQueue(
  worker: (event: SQSEvent) => Promise<SQSBatchResponse>,
  options: { maxReceives: number; visibilityTimeoutMs: number },
): InProcessExportQueue {
  const queue = createInProcessQueue(worker, options);
  return {
    deadLetters: queue.deadLetters,
    send: async (jobId) => queue.send(jobId, encodeExportMessage(jobId)),
    isPending: queue.isPending,
    drain: queue.drain,
  };
}

export interface InProcessWebhookQueue extends WebhookQueue {
  readonly deadLetters: InProcessQueue['deadLetters'];
  drain(): Promise<void>;
}

/**
 * The webhooks queue in one process: dispatch and delivery messages to the webhook worker. Dispatch
 * messages are coalesced: while one waits, another adds nothing (the waiting one reads everything new).
 */
export function createInProcessWebhookQueue(worker: (event: SQSEvent) => Promise<SQSBatchResponse>, options: { maxReceives: number; visibilityTimeoutMs: number }): InProcessWebhookQueue {
  const queue = createInProcessQueue(worker, { ...options, queue: 'WebhooksQueue' });
  let dispatchWaiting = false;
  return {
    deadLetters: queue.deadLetters,
    async send(messages, delaySeconds = 0) {
      for (const message of messages) {
        if (message.kind === 'dispatch') {
          if (dispatchWaiting) continue;
          dispatchWaiting = true;
          // Taken off the queue as its delivery starts: an event committed after that needs a new dispatch.
          setImmediate(() => {
            dispatchWaiting = false;
            queue.send('dispatch', encodeWebhookMessage(message));
          });
          continue;
        }
        queue.send(message.deliveryId, encodeWebhookMessage(message), delaySeconds * 1000);
      }
    },
    drain: queue.drain,
  };
}

/** The local queue's visibility timeout for a lease: a second beyond it. */
export function visibilityTimeoutMsFor(leaseSeconds: number): number {
  return (leaseSeconds + 1) * 1000;
}
