import { attemptWebhookDelivery, decodeWebhookMessage, dispatchEvents, sweepWebhookDeliveries, type WebhookServices } from '@parley/core';
import type { Database } from '@parley/db';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { Kysely } from 'kysely';
import { lambdaDatabase } from '../shared/lambda-deps.js';
import { lambdaWebhookServices } from '../shared/lambda-webhook-deps.js';

export interface WebhookWorkerDeps {
  db: () => Promise<Kysely<Database>>;
  services: WebhookServices;
  /** Where a line per message goes: JSON to the console (CloudWatch on Lambda) unless given. */
  log?: (entry: Record<string, unknown>) => void;
}

const consoleLog = (entry: Record<string, unknown>) => (entry.level === 'error' ? console.error : console.log)(JSON.stringify(entry));

/**
 * The webhook worker: one SQS handler for the Lambda subscriber (infra/webhooks.ts) and, locally, the
 * in-process queue. `dispatch` fans new events out to deliveries; `deliver` attempts one. Retries of a
 * delivery are new messages (their delay is the backoff), so a record is reported in `batchItemFailures`
 * only when the database could not be reached; those that fail every receive reach the DLQ, and the sweep
 * sends their deliveries again.
 */
export function createWebhookWorker(deps: WebhookWorkerDeps) {
  const log = deps.log ?? consoleLog;
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      const message = decodeWebhookMessage(record.body);
      if (!message) {
        log({ level: 'error', message: 'webhook message of unknown shape', messageId: record.messageId });
        continue;
      }
      try {
        const db = await deps.db();
        if (message.kind === 'dispatch') {
          const { queued, raced } = await dispatchEvents(db, deps.services.queue);
          if (raced) await deps.services.queue.send([{ kind: 'dispatch' }], 0.2);
          if (queued) log({ level: 'info', message: 'webhook dispatch', queued });
        } else {
          const started = performance.now();
          const { outcome, statusCode } = await attemptWebhookDelivery(db, deps.services, message.deliveryId);
          if (outcome !== 'skipped') log({ level: 'info', message: 'webhook delivery', deliveryId: message.deliveryId, outcome, statusCode, durationMs: Math.round(performance.now() - started) });
        }
      } catch (err) {
        log({ level: 'error', message: 'webhook message failed', kind: message.kind, error: String(err) });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}

let lambdaWorker: ReturnType<typeof createWebhookWorker> | undefined;

/** The Lambda subscriber of the webhooks queue. */
export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  lambdaWorker ??= createWebhookWorker({ db: lambdaDatabase.db, services: lambdaWebhookServices() });
  return lambdaWorker(event);
};

/** The scheduled safety net (infra/webhooks.ts): dispatch what no message asked for, send stranded deliveries. */
export const sweepHandler = async (): Promise<{ dispatched: number; swept: number }> => {
  const db = await lambdaDatabase.db();
  const services = lambdaWebhookServices();
  const { queued } = await dispatchEvents(db, services.queue);
  const swept = await sweepWebhookDeliveries(db, services.queue);
  console.log(JSON.stringify({ level: 'info', message: 'webhook sweep', dispatched: queued, swept }));
  return { dispatched: queued, swept };
};
