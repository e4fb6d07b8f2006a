import { createHash, randomUUID } from 'node:crypto';
import { encodeExportMessage, encodeWebhookMessage, type ExportQueue, WEBHOOK_DELIVERY, type WebhookQueue } from '@parley/core';
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
  /** Whether no message is waiting or being delivered. */
  idle(): boolean;
}

/**
 * SQS semantics in one process: messages are handed to the worker in SQSEvents of up to `batchSize`
 * records (1 unless given; those ready at one moment go together, as Lambda's poller batches them); one
 * reported in `batchItemFailures` (or in a batch whose delivery throws) comes back after
 * `visibilityTimeoutMs`, up to `maxReceives` deliveries, and then goes to `deadLetters`. As on SQS, the
 * visibility timeout must exceed the worker's lease: a message that found its job held by another run
 * comes back once that run's lease has run out, and the next delivery can take the job over.
 */
export function createInProcessQueue(
  worker: (event: SQSEvent) => Promise<SQSBatchResponse>,
  options: { maxReceives: number; visibilityTimeoutMs: number; queue?: string; batchSize?: number; settled?: (key: string) => void },
): InProcessQueue {
  type Message = { messageId: string; key: string; body: string; receives: number; sentAt: number };
  const deadLetters: InProcessQueue['deadLetters'] = [];
  const batchSize = Math.max(1, options.batchSize ?? 1);
  /** Messages waiting or being delivered, by key. */
  const pending = new Map<string, number>();
  let inFlight = 0;
  let waiters: Array<() => void> = [];
  let ready: Message[] = [];
  const settle = (key: string) => {
    const left = (pending.get(key) ?? 1) - 1;
    if (left > 0) pending.set(key, left);
    else pending.delete(key);
    options.settled?.(key);
    if (--inFlight === 0) {
      for (const resolve of waiters) resolve();
      waiters = [];
    }
  };
  const deliver = async (batch: Message[]) => {
    for (const message of batch) message.receives++;
    let failed: Set<string>;
    try {
      const response = await worker({
        Records: batch.map((m) => sqsRecord(m.body, { messageId: m.messageId, receiveCount: m.receives, sentAt: m.sentAt, queue: options.queue })),
      });
      failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    } catch {
      failed = new Set(batch.map((m) => m.messageId));
    }
    for (const message of batch) {
      if (!failed.has(message.messageId)) settle(message.key);
      else if (message.receives >= options.maxReceives) {
        deadLetters.push({ messageId: message.messageId, body: message.body, receives: message.receives });
        settle(message.key);
      } else setTimeout(() => enqueue(message), options.visibilityTimeoutMs);
    }
  };
  const flush = () => {
    const taken = ready;
    ready = [];
    for (let i = 0; i < taken.length; i += batchSize) void deliver(taken.slice(i, i + batchSize));
  };
  const enqueue = (message: Message) => {
    if (ready.push(message) === 1) setImmediate(flush);
  };
  return {
    deadLetters,
    send(key, body, delayMs = 0) {
      inFlight++;
      pending.set(key, (pending.get(key) ?? 0) + 1);
      const message: Message = { messageId: randomUUID(), key, body, receives: 0, sentAt: Date.now() };
      if (delayMs > 0) setTimeout(() => enqueue(message), delayMs);
      else enqueue(message);
    },
    isPending: (key) => pending.has(key),
    drain: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    idle: () => inFlight === 0,
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
 * The webhooks queue in one process: dispatch and delivery messages to the webhook worker, in batches of
 * up to 10 deliveries as the Lambda subscriber gets them (infra/webhooks.ts). Dispatch messages go alone,
 * one at a time: a dispatch sent while one waits or runs adds nothing but a note, and once that one is done
 * (its read may predate what the new one was sent for) a single dispatch follows it.
 */
export function createInProcessWebhookQueue(worker: (event: SQSEvent) => Promise<SQSBatchResponse>, options: { maxReceives: number; visibilityTimeoutMs: number }): InProcessWebhookQueue {
  let again = false;
  const dispatch = () => dispatches.send(DISPATCH, encodeWebhookMessage({ kind: 'dispatch' }));
  const dispatches = createInProcessQueue(worker, {
    ...options,
    queue: 'WebhooksQueue',
    settled: () => {
      if (!again) return;
      again = false;
      dispatch();
    },
  });
  const deliveries = createInProcessQueue(worker, { ...options, queue: 'WebhooksQueue', batchSize: WEBHOOK_DELIVERY.batchSize });
  return {
    get deadLetters() {
      return [...dispatches.deadLetters, ...deliveries.deadLetters];
    },
    async send(messages, delaySeconds = 0) {
      for (const message of messages) {
        if (message.kind === 'dispatch') {
          if (dispatches.isPending(DISPATCH)) again = true;
          else dispatch();
          continue;
        }
        deliveries.send(message.deliveryId, encodeWebhookMessage(message), delaySeconds * 1000);
      }
    },
    // A dispatch queues deliveries and a delivery may queue a dispatch (disabling records an event).
    async drain() {
      do {
        await dispatches.drain();
        await deliveries.drain();
      } while (!dispatches.idle() || !deliveries.idle());
    },
  };
}

const DISPATCH = 'dispatch';

/** The local queue's visibility timeout for a lease: a second beyond it. */
export function visibilityTimeoutMsFor(leaseSeconds: number): number {
  return (leaseSeconds + 1) * 1000;
}
