import {
  type AttemptResult,
  type ClaimedDelivery,
  claimWebhookDeliveries,
  type Database,
  disableWebhookEndpoint,
  markWebhookDeliveriesEnqueued,
  recordWebhookAttempt,
  recordWebhookSuccesses,
  settleWebhookDelivery,
} from '@parley/db';
import type { Kysely } from 'kysely';
import { publicEvent } from '../events/changefeed.js';
import { recordEvent } from '../events/log.js';
import type { WebhookServices } from './ports.js';
import { webhookHeaders } from './signing.js';
import { BlockedAddressError } from './ssrf.js';

// One attempt of each of a batch of deliveries: claim them (one statement), sign and send each event
// (all at once), then settle each: 2xx succeeded (the batch's successes recorded in one statement); 410
// failed and the endpoint disabled; anything else (or no answer in time) retried after the next step of the
// backoff with jitter, until the steps run out: then failed, and the endpoint disabled if it has not
// succeeded since this delivery began. Disabling records an event.

export type AttemptOutcome = 'skipped' | 'succeeded' | 'retry' | 'failed';

/** What became of one delivery of the batch: its outcome, or the error that kept it from being settled (it is attempted again). */
export type AttemptReport = { outcome: AttemptOutcome; statusCode?: number | null } | { error: unknown };

type AttemptServices = Pick<WebhookServices, 'transport' | 'retrySeconds' | 'timeoutMs' | 'leaseSeconds' | 'queue'>;

/**
 * Attempts the deliveries once each; a delivery that is done, not due, or held by another attempt is
 * `skipped`. Rejects only when the claim itself fails (then none was attempted).
 */
export async function attemptWebhookDeliveries(
  db: Kysely<Database>,
  services: AttemptServices,
  deliveryIds: readonly string[],
  random: () => number = Math.random,
): Promise<Map<string, AttemptReport>> {
  const reports = new Map<string, AttemptReport>(deliveryIds.map((id) => [id, { outcome: 'skipped' }]));
  const claimed = await claimWebhookDeliveries(db, [...new Set(deliveryIds)], services.leaseSeconds);
  const sent = await Promise.all(claimed.map(async (delivery) => ({ delivery, result: delivery.endpoint.enabled ? await send(services, delivery) : undefined })));
  const successes = sent.filter((s): s is { delivery: ClaimedDelivery; result: AttemptResult } => s.result !== undefined && isSuccess(s.result.statusCode));
  try {
    await recordWebhookSuccesses(db, successes.map(({ delivery, result }) => ({ id: delivery.id, attempt: delivery.attempt, endpointId: delivery.endpoint.id, result })));
    for (const { delivery, result } of successes) reports.set(delivery.id, { outcome: 'succeeded', statusCode: result.statusCode });
  } catch (error) {
    for (const { delivery } of successes) reports.set(delivery.id, { error });
  }
  for (const { delivery, result } of sent) {
    if (result && isSuccess(result.statusCode)) continue;
    try {
      reports.set(delivery.id, result ? await settleFailure(db, services, delivery, result, random) : await settleDisabled(db, delivery));
    } catch (error) {
      reports.set(delivery.id, { error });
    }
  }
  return reports;
}

const isSuccess = (statusCode: number | null) => statusCode !== null && statusCode >= 200 && statusCode < 300;

async function send(services: AttemptServices, delivery: ClaimedDelivery): Promise<AttemptResult> {
  const body = JSON.stringify(publicEvent(delivery.event));
  const startedAt = new Date();
  const timestamp = Math.floor(startedAt.getTime() / 1000);
  const started = performance.now();
  let statusCode: number | null = null;
  let excerpt: string | null = null;
  let error: string | null = null;
  try {
    const response = await services.transport({ url: delivery.endpoint.url, headers: webhookHeaders(delivery.secrets, delivery.event.id, timestamp, body), body, timeoutMs: services.timeoutMs });
    statusCode = response.statusCode;
    excerpt = response.excerpt || null;
  } catch (err) {
    error = err instanceof BlockedAddressError ? err.message : `No answer: ${(err as Error).message}`.slice(0, 300);
  }
  return { startedAt, statusCode, latencyMs: Math.round(performance.now() - started), responseExcerpt: excerpt, error };
}

async function settleDisabled(db: Kysely<Database>, delivery: ClaimedDelivery): Promise<AttemptReport> {
  await settleWebhookDelivery(db, delivery.id, { status: 'failed', lastStatus: null, lastError: 'The endpoint is disabled' });
  return { outcome: 'failed' };
}

async function settleFailure(db: Kysely<Database>, services: AttemptServices, delivery: ClaimedDelivery, result: AttemptResult, random: () => number): Promise<AttemptReport> {
  const { statusCode } = result;
  const gone = statusCode === 410;
  const retryIndex = delivery.attempt - 1;
  const retryable = !gone && retryIndex < services.retrySeconds.length;
  const lastError = result.error ?? `HTTP ${statusCode}`;
  let retryDelay = 0;
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
  return { outcome: retryable ? 'retry' : 'failed', statusCode };
}
