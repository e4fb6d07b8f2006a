import {
  advanceDispatchPosition,
  enabledWebhookEndpoints,
  type EventPosition,
  type Executor,
  insertWebhookDeliveries,
  isSnapshotText,
  listStrandedWebhookDeliveries,
  markWebhookDeliveriesEnqueued,
  readDispatchPosition,
  readEvents,
} from '@parley/db';
import type { Kysely } from 'kysely';
import type { Database } from '@parley/db';
import { WEBHOOK_DELIVERY } from './delivery.js';
import type { WebhookQueue } from './ports.js';

// The dispatcher: a changefeed reader over every workspace (same cursor rule, so no event is skipped)
// that turns each new event into one delivery per enabled endpoint that wants its type, and queues them.
// Its place moves in the transaction that records the deliveries (compare-and-set: of two dispatchers
// racing, one records and the other rolls back), so an event is fanned out once.

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
 * Fans out what is new; returns how many deliveries it queued, and whether another dispatcher moved first
 * (its read may predate an event this one was sent for: dispatch again).
 */
export async function dispatchEvents(db: Kysely<Database>, queue: WebhookQueue): Promise<{ queued: number; raced: boolean }> {
  let queued = 0;
  for (let round = 0; round < 50; round++) {
    const stored = await readDispatchPosition(db);
    const read = await readEvents(db, { after: parsePosition(stored), limit: BATCH });
    const endpoints = await enabledWebhookEndpoints(db, [...new Set(read.events.map((e) => e.workspaceId))]);
    const rows = read.events.flatMap((event) =>
      endpoints.filter((ep) => ep.workspaceId === event.workspaceId && endpointWants(ep, event.type)).map((ep) => ({ workspaceId: event.workspaceId, endpointId: ep.id, eventId: event.id })),
    );
    const ids = await db
      .transaction()
      .execute(async (trx) => {
        const inserted = await insertWebhookDeliveries(trx, rows);
        if (!(await advanceDispatchPosition(trx, stored, JSON.stringify(read.next)))) throw new LostRace();
        return inserted;
      })
      .catch((err: unknown) => {
        if (err instanceof LostRace) return undefined;
        throw err;
      });
    if (!ids) return { queued, raced: true };
    if (ids.length) {
      // If this send fails the deliveries stay pending without a message: the sweep sends them.
      await queue.send(ids.map((deliveryId) => ({ kind: 'deliver' as const, deliveryId })));
      queued += ids.length;
    }
    if (read.caughtUp) return { queued, raced: false };
  }
  return { queued, raced: true };
}

class LostRace extends Error {}

/** Sends the deliveries no message will bring (their send failed, their retry is beyond SQS's delay, or the message was lost). */
export async function sweepWebhookDeliveries(db: Executor, queue: WebhookQueue): Promise<number> {
  const ids = await listStrandedWebhookDeliveries(db, WEBHOOK_DELIVERY.lostAfterSeconds, 500);
  if (ids.length === 0) return 0;
  await queue.send(ids.map((deliveryId) => ({ kind: 'deliver' as const, deliveryId })));
  await markWebhookDeliveriesEnqueued(db, ids);
  return ids.length;
}
