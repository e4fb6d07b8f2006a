import {
  activeWebhookSecrets,
  claimWebhookDelivery,
  type Database,
  disableWebhookEndpoint,
  markWebhookDeliveriesEnqueued,
  recordWebhookAttempt,
  recordWebhookSuccess,
  settleWebhookDelivery,
} from '@parley/db';
import type { Kysely } from 'kysely';
import { publicEvent } from '../events/changefeed.js';
import { recordEvent } from '../events/log.js';
import type { WebhookServices } from './ports.js';
import { webhookHeaders } from './signing.js';
import { BlockedAddressError } from './ssrf.js';

// One attempt of one delivery: claim it, sign and send the event, log the attempt, then settle it:
// 2xx succeeded; 410 failed and the endpoint disabled; anything else (or no answer in time) retried
// after the next step of the backoff with jitter, until the steps run out: then failed, and the endpoint
// disabled if it has not succeeded since this delivery began. Disabling records an event.

export type AttemptOutcome = 'skipped' | 'succeeded' | 'retry' | 'failed';

export async function attemptWebhookDelivery(
  db: Kysely<Database>,
  services: Pick<WebhookServices, 'transport' | 'retrySeconds' | 'timeoutMs' | 'leaseSeconds' | 'queue'>,
  deliveryId: string,
  random: () => number = Math.random,
): Promise<{ outcome: AttemptOutcome; statusCode?: number | null }> {
  const delivery = await claimWebhookDelivery(db, deliveryId, services.leaseSeconds);
  if (!delivery) return { outcome: 'skipped' };
  if (!delivery.endpoint.enabled) {
    await settleWebhookDelivery(db, delivery.id, { status: 'failed', lastStatus: null, lastError: 'The endpoint is disabled' });
    return { outcome: 'failed' };
  }
  const body = JSON.stringify(publicEvent(delivery.event));
  const secrets = await activeWebhookSecrets(db, delivery.endpoint.id);
  const startedAt = new Date();
  const timestamp = Math.floor(startedAt.getTime() / 1000);
  const started = performance.now();
  let statusCode: number | null = null;
  let excerpt: string | null = null;
  let error: string | null = null;
  try {
    const response = await services.transport({ url: delivery.endpoint.url, headers: webhookHeaders(secrets, delivery.event.id, timestamp, body), body, timeoutMs: services.timeoutMs });
    statusCode = response.statusCode;
    excerpt = response.excerpt || null;
  } catch (err) {
    error = err instanceof BlockedAddressError ? err.message : `No answer: ${(err as Error).message}`.slice(0, 300);
  }
  const latencyMs = Math.round(performance.now() - started);
  const succeeded = statusCode !== null && statusCode >= 200 && statusCode < 300;
  const gone = statusCode === 410;
  const retryIndex = delivery.attempt - 1;
  const retryable = !succeeded && !gone && retryIndex < services.retrySeconds.length;
  const lastError = succeeded ? null : (error ?? `HTTP ${statusCode}`);
  let retryDelay = 0;
  const result = { startedAt, statusCode, latencyMs, responseExcerpt: excerpt, error };
  if (succeeded) {
    await recordWebhookSuccess(db, { id: delivery.id, attempt: delivery.attempt, endpointId: delivery.endpoint.id }, result);
    return { outcome: 'succeeded', statusCode };
  }
  await db.transaction().execute(async (trx) => {
    await recordWebhookAttempt(trx, delivery.id, delivery.attempt, result);
    if (retryable) {
      retryDelay = services.retrySeconds[retryIndex]! * (0.8 + 0.4 * random());
      await settleWebhookDelivery(trx, delivery.id, { status: 'pending', lastStatus: statusCode, lastError, retryAt: new Date(Date.now() + retryDelay * 1000) });
      return;
    }
    await settleWebhookDelivery(trx, delivery.id, { status: 'failed', lastStatus: statusCode, lastError });
    const failing = !gone && (delivery.endpoint.lastSuccessAt === null || delivery.endpoint.lastSuccessAt < delivery.createdAt);
    if ((gone || failing) && (await disableWebhookEndpoint(trx, delivery.endpoint.id, gone ? 'gone' : 'failing'))) {
      await recordEvent(trx, {
        workspaceId: delivery.endpoint.workspaceId,
        type: 'webhook_endpoint.disabled',
        resourceId: delivery.endpoint.id,
        data: { endpoint: { id: delivery.endpoint.id, url: delivery.endpoint.url }, reason: gone ? 'gone' : 'failing' },
      });
    }
  });
  if (retryable && retryDelay * 1000 <= 900_000) {
    // Beyond SQS's longest delay the sweep sends it when due.
    await services.queue.send([{ kind: 'deliver', deliveryId: delivery.id }], retryDelay);
    await markWebhookDeliveriesEnqueued(db, [delivery.id]);
  }
  return { outcome: succeeded ? 'succeeded' : retryable ? 'retry' : 'failed', statusCode };
}
