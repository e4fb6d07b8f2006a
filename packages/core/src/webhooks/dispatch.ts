import {
  advanceDispatchPosition,
  enabledWebhookEndpoints,
  type EventPosition,
  type Executor,
  insertWebhookDeliveries,
  isSnapshotText,
  listStrandedWebhookDeliveries,
  lockDispatchPosition,
  markWebhookDeliveriesEnqueued,
  readEventHeadsForEndpoints,
} from '@parley/db';
import type { Kysely } from 'kysely';
import type { Database } from '@parley/db';
import { WEBHOOK_DELIVERY } from './delivery.js';
import type { WebhookQueue } from './ports.js';

// The dispatcher: a changefeed reader over every workspace (same cursor rule, so no event is skipped)
// that turns each new event into one delivery per enabled endpoint that wants its type, and queues them.
// Dispatchers take turns: each round locks the dispatcher's place, reads from it, records the deliveries
// and moves it in one transaction, so an event is fanned out once. One that finds the place held leaves
// at once and says so: the holder's read may predate the event it was woken for, so it must be asked again.

const BATCH = 200;

function parsePosition(stored: string | null): EventPosition {
  if (stored === null) return { seen: null };
  if (isSnapshotText(stored)) return { seen: stored };
  return JSON.parse(stored) as EventPosition;
}

export function endpointWants(endpoint: { eventTypes: string[] }, type: string): boolean {
  return endpoint.eventTypes.length === 0 || endpoint.eventTypes.includes(type);
}

/**
 * Fans out what is new; returns how many deliveries it queued, and whether it stopped short: another
 * dispatcher held the place (its read may predate an event this one was sent for), or there was more than
 * 50 rounds of it. Either way, dispatch again.
 */
export async function dispatchEvents(db: Kysely<Database>, queue: WebhookQueue): Promise<{ queued: number; raced: boolean }> {
  let queued = 0;
  for (let round = 0; round < 50; round++) {
    const step = await db.transaction().execute(async (trx) => {
      const held = await lockDispatchPosition(trx);
      if (!held) return undefined;
      const read = await readEventHeadsForEndpoints(trx, { after: parsePosition(held.seen), limit: BATCH });
      const endpoints = await enabledWebhookEndpoints(trx, [...new Set(read.events.map((e) => e.workspaceId))]);
      const rows = read.events.flatMap((event) =>
        endpoints.filter((ep) => ep.workspaceId === event.workspaceId && endpointWants(ep, event.type)).map((ep) => ({ workspaceId: event.workspaceId, endpointId: ep.id, eventId: event.id })),
      );
      const ids = await insertWebhookDeliveries(trx, rows);
      await advanceDispatchPosition(trx, JSON.stringify(read.next));
      return { ids, caughtUp: read.caughtUp };
    });
    if (!step) return { queued, raced: true };
    if (step.ids.length) {
      // If this send fails the deliveries stay pending without a message: the sweep sends them.
      await queue.send(step.ids.map((deliveryId) => ({ kind: 'deliver' as const, deliveryId })));
      queued += step.ids.length;
    }
    if (step.caughtUp) return { queued, raced: false };
  }
  return { queued, raced: true };
}

/** Sends the deliveries no message will bring (their send failed, their retry is beyond SQS's delay, or the message was lost). */
export async function sweepWebhookDeliveries(db: Executor, queue: WebhookQueue): Promise<number> {
  const ids = await listStrandedWebhookDeliveries(db, WEBHOOK_DELIVERY.lostAfterSeconds, 500);
  if (ids.length === 0) return 0;
  await queue.send(ids.map((deliveryId) => ({ kind: 'deliver' as const, deliveryId })));
  await markWebhookDeliveriesEnqueued(db, ids);
  return ids.length;
}
