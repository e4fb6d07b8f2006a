import { type EventPosition, type EventRecord, type Executor, isSnapshotText, LOG_START, readEvents } from '@parley/db';
import type { Principal } from '../auth.js';
import { cursorCodec, orAbsent, orNull } from '../cursors.js';
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
const isDecimal = (v: unknown): v is string => typeof v === 'string' && DECIMAL.test(v);
const isSeq = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;

// Cursor payload: `a` the snapshot last read (null before the first read); mid-window also `b` the
// window's snapshot and `t`/`s` the last event returned.
const eventCursor = cursorCodec(
  'events',
  { a: orNull(isSnapshotText), b: orAbsent(isSnapshotText), t: orAbsent(isDecimal), s: orAbsent(isSeq) },
  (p) => p.b === undefined || (p.t !== undefined && p.s !== undefined),
);

function decodeEventCursor(principal: Pick<Principal, 'workspaceSecret'>, token: string): EventPosition {
  const p = eventCursor.decode(principal.workspaceSecret, token, 'query.after');
  return p.b === undefined ? { seen: p.a } : { seen: p.a, window: { until: p.b, tx: p.t!, seq: p.s! } };
}

export const encodeEventCursor = (principal: Pick<Principal, 'workspaceSecret'>, position: EventPosition) =>
  eventCursor.encode(
    principal.workspaceSecret,
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
  let after = query.after ? decodeEventCursor(principal, query.after) : LOG_START;
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
