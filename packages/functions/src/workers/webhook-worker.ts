import { attemptWebhookDeliveries, decodeWebhookMessage, dispatchEvents, sweepWebhookDeliveries, type WebhookServices } from '@parley/core';
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
 * in-process queue. `dispatch` fans new events out to deliveries (once per batch, however many ask);
 * `deliver` attempts one, and a batch's deliveries are attempted together (one claim, the requests at
 * once, one statement for the successes). Retries of a delivery are new messages (their delay is the
 * backoff), so a record is reported in `batchItemFailures` only when the database could not be reached;
 * those that fail every receive reach the DLQ, and the sweep sends their deliveries again.
 */
export function createWebhookWorker(deps: WebhookWorkerDeps) {
  const log = deps.log ?? consoleLog;
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    const dispatches: string[] = [];
    const deliveries: Array<{ messageId: string; deliveryId: string }> = [];
    for (const record of event.Records) {
      const message = decodeWebhookMessage(record.body);
      if (!message) log({ level: 'error', message: 'webhook message of unknown shape', messageId: record.messageId });
      else if (message.kind === 'dispatch') dispatches.push(record.messageId);
      else deliveries.push({ messageId: record.messageId, deliveryId: message.deliveryId });
    }
    const fail = (kind: string, messageIds: string[], err: unknown) => {
      log({ level: 'error', message: 'webhook message failed', kind, error: String(err) });
      for (const itemIdentifier of messageIds) batchItemFailures.push({ itemIdentifier });
    };
    if (dispatches.length) {
      try {
        const db = await deps.db();
        const { queued, raced } = await dispatchEvents(db, deps.services.queue);
        if (raced) await deps.services.queue.send([{ kind: 'dispatch' }], 0.2);
        if (queued) log({ level: 'info', message: 'webhook dispatch', queued });
      } catch (err) {
        fail('dispatch', dispatches, err);
      }
    }
    if (deliveries.length) {
      const started = performance.now();
      try {
        const db = await deps.db();
        const reports = await attemptWebhookDeliveries(db, deps.services, deliveries.map((d) => d.deliveryId));
        const durationMs = Math.round(performance.now() - started);
        for (const { messageId, deliveryId } of deliveries) {
          const report = reports.get(deliveryId);
          if (report && 'error' in report) fail('deliver', [messageId], report.error);
          else if (report && report.outcome !== 'skipped') log({ level: 'info', message: 'webhook delivery', deliveryId, outcome: report.outcome, statusCode: report.statusCode, durationMs });
        }
      } catch (err) {
        fail('deliver', deliveries.map((d) => d.messageId), err);
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
