import { type EventPosition, type EventRecord, type Executor, isSnapshotText, LOG_START, readEvents } from '@parley/db';
import type { Principal } from '../auth.js';
import { decodeCursor, encodeCursor } from '../cursors.js';
import { eventReach } from '../policy.js';
import type { EventType } from './catalog.js';

// The changefeed: a workspace's events in log order behind a signed cursor. A client that keeps the
// cursor it was given and always comes back with it sees every event it may see exactly once, in order,
// across restarts: reads return only final events (see packages/db/src/repositories/events.ts).

/** An event as the changefeed returns it and webhooks deliver it. */
export interface PublicEvent {
  id: string;
  type: EventType;
  /** When the change was made (its transaction's time). */
  timestamp: string;
  workspaceId: string;
  resourceId: string;
  schemaVersion: number;
  data: Record<string, unknown>;
}

export function publicEvent(event: Pick<EventRecord, 'id' | 'type' | 'occurredAt' | 'workspaceId' | 'resourceId' | 'schemaVersion' | 'payload'>): PublicEvent {
  return {
    id: event.id,
    type: event.type as EventType,
    timestamp: event.occurredAt.toISOString(),
    workspaceId: event.workspaceId,
    resourceId: event.resourceId,
    schemaVersion: event.schemaVersion,
    data: event.payload,
  };
}

const DECIMAL = /^(0|[1-9]\d{0,19})$/;

// Cursor payload: `a` the snapshot last read (null before the first read); mid-window also `b` the
// window's snapshot and `t`/`s` the last event returned.
function positionShape(value: unknown): EventPosition | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const { a, b, t, s } = value as { a?: unknown; b?: unknown; t?: unknown; s?: unknown };
  if (a !== null && !isSnapshotText(a)) return undefined;
  if (b === undefined) return { seen: a };
  if (!isSnapshotText(b) || typeof t !== 'string' || !DECIMAL.test(t) || typeof s !== 'number' || !Number.isSafeInteger(s) || s < 1) return undefined;
  return { seen: a, window: { until: b, tx: t, seq: s } };
}

export const encodeEventCursor = (principal: Pick<Principal, 'workspaceSecret'>, position: EventPosition) =>
  encodeCursor(
    principal.workspaceSecret,
    'events',
    position.window ? { a: position.seen, b: position.window.until, t: position.window.tx, s: position.window.seq } : { a: position.seen },
  );

export interface ChangefeedQuery {
  after?: string;
  types?: readonly EventType[];
  limit: number;
  /** How long to wait for an event when there is none yet (long poll); 0 answers at once. */
  waitSeconds: number;
}

export interface ChangefeedPage {
  events: PublicEvent[];
  /** Where to continue: pass it as `after` next time (also when no event was returned). */
  nextCursor: string;
  /** Nothing is left to read for now. */
  endOfStream: boolean;
}

const POLL_MS = 100;

export async function readChangefeed(db: Executor, principal: Principal, query: ChangefeedQuery, signal?: AbortSignal): Promise<ChangefeedPage> {
  let after = query.after ? decodeCursor(principal.workspaceSecret, 'events', query.after, 'query.after', positionShape) : LOG_START;
  const reach = eventReach(principal);
  const deadline = Date.now() + query.waitSeconds * 1000;
  for (;;) {
    const read = await readEvents(db, { workspaceId: principal.workspaceId, after, types: query.types, limit: query.limit, reach });
    after = read.next;
    if (read.events.length > 0 || Date.now() >= deadline || signal?.aborted) {
      return { events: read.events.map(publicEvent), nextCursor: encodeEventCursor(principal, read.next), endOfStream: read.caughtUp };
    }
    await new Promise((r) => setTimeout(r, Math.min(POLL_MS, Math.max(0, deadline - Date.now()))));
  }
}
