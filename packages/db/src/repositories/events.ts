import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import type { Executor } from '../executor.js';
import type { Database } from '../schema.js';
import { type ChatReach, chatWithinReach } from '../reach.js';

// The event log. Appends run inside the caller's transaction (the one that makes the change), so a
// rolled-back change leaves no event and a committed one always has its event.
//
// Reading in commit order without ever skipping an event: every event carries its transaction's id
// (`tx`, xid8). A read takes a snapshot B (pg_current_snapshot()) and returns the events whose
// transaction is visible in B (committed before B) and was not visible in the snapshot A the previous
// read took, which the cursor carries. Visibility only grows: a transaction committed before A is
// committed before B, so each committed event falls in exactly one (A, B] window of a reader's chain of
// snapshots; one that was still in flight at A (however early its id was taken) is in A's in-flight
// list, so it is returned by the first read after it commits, never skipped. A rolled-back transaction
// leaves no rows. Within a window events are ordered by (tx, seq); a window larger than a page is read
// in pages after (tx, seq). A long transaction elsewhere (even in another database: ids are per cluster)
// delays no one: only its own events wait for its commit. The cost it brings: candidates are the
// events at or above A's xmax plus those of A's in-flight ids, found through the (tx) indexes.

/** A reader's place: the snapshot its last read saw, and inside a window still being paged, the window's end and the last (tx, seq) returned. */
export interface EventPosition {
  /** pg_snapshot text (`xmin:xmax:xip,...`) of the last completed read; null: nothing read yet. */
  seen: string | null;
  /** Mid-window only: the window's snapshot and the last event returned from it. */
  window?: { until: string; tx: string; seq: number };
}

export const LOG_START: EventPosition = { seen: null };

export interface NewEvent {
  workspaceId: string;
  type: string;
  resourceId: string;
  /** The chat it is about: the reach of a reader decides whether it sees it. */
  chatId?: string | null;
  /** For events about one member's request (exports): the member; readers without full reach see their own. */
  memberId?: number | null;
  payload: Record<string, unknown>;
  schemaVersion?: number;
}

/** Where an event stands in the log, whose it is and what type: what the webhook dispatcher reads. */
export interface EventHead {
  id: string;
  /** Its transaction's id (xid8, decimal) and its place among that transaction's events. */
  tx: string;
  seq: number;
  workspaceId: string;
  type: string;
}

export interface EventRecord extends EventHead {
  resourceId: string;
  chatId: string | null;
  memberId: number | null;
  schemaVersion: number;
  payload: Record<string, unknown>;
  occurredAt: Date;
}

/** What a reader may see (decided by the policy in core). */
export interface EventReach {
  workspaceId: string;
  /** Events about chats: those of chats within this reach. */
  chats: ChatReach;
  /** Events about a member's exports: every member's (null) or this member's only. */
  exportsOf: number | null;
  /** Export kinds (`data.export.kind`) whose events stay hidden whoever requested them: kinds whose status this reader may not read. */
  hiddenExportKinds: readonly string[];
  /** Events about the workspace itself (webhook endpoints): admin only. */
  workspace: boolean;
}

export async function appendEvents(db: Executor, events: NewEvent[]): Promise<Array<{ id: string; occurredAt: Date }>> {
  if (events.length === 0) return [];
  const rows = await db
    .insertInto('events')
    .values(
      events.map((e) => ({
        workspace_id: e.workspaceId,
        type: e.type,
        resource_id: e.resourceId,
        chat_id: e.chatId ?? null,
        member_id: e.memberId ?? null,
        schema_version: e.schemaVersion ?? 1,
        payload: JSON.stringify(e.payload),
      })),
    )
    .returning(['id', 'occurred_at'])
    .execute();
  return rows.map((r) => ({ id: r.id, occurredAt: r.occurred_at }));
}

export async function currentSnapshot(db: Executor): Promise<string> {
  const { rows } = await sql<{ snapshot: string }>`select pg_current_snapshot()::text as snapshot`.execute(db);
  return rows[0]!.snapshot;
}

const SNAPSHOT = /^\d{1,20}:\d{1,20}:(\d{1,20}(,\d{1,20})*)?$/;
/** Whether `text` is a snapshot as pg_current_snapshot() prints one. */
export const isSnapshotText = (text: unknown): text is string => typeof text === 'string' && text.length <= 200_000 && SNAPSHOT.test(text);

function visibleTo(reach: EventReach) {
  return (eb: ExpressionBuilder<Database, 'events'>): Expression<SqlBool> =>
    eb.or([
      eb.and([
        eb('events.chat_id', 'is not', null),
        eb.exists(
          eb
            .selectFrom('chats')
            .select(sql.lit(1).as('one'))
            .whereRef('chats.id', '=', 'events.chat_id')
            .where((c) => chatWithinReach(reach.chats)(c as unknown as ExpressionBuilder<Database, 'chats'>)),
        ),
      ]),
      eb.and([
        eb('events.chat_id', 'is', null),
        eb('events.member_id', 'is not', null),
        reach.exportsOf === null ? sql<SqlBool>`true` : eb('events.member_id', '=', reach.exportsOf),
        reach.hiddenExportKinds.length === 0
          ? sql<SqlBool>`true`
          : sql<SqlBool>`coalesce(events.payload #>> '{export,kind}', '') not in (${sql.join(reach.hiddenExportKinds.map((k) => sql`${k}`))})`,
      ]),
      eb.and([eb('events.chat_id', 'is', null), eb('events.member_id', 'is', null), sql<SqlBool>`${sql.lit(reach.workspace)}`]),
    ]);
}

export interface EventRead {
  /** The workspace's events only; all workspaces' when absent (the webhook dispatcher). */
  workspaceId?: string;
  after: EventPosition;
  types?: readonly string[];
  limit: number;
  /** Only what this reader may see; everything when absent. */
  reach?: EventReach;
}

/**
 * Events after `after`, in commit order (to the read's granularity), up to `limit`. `next` is where the
 * following read starts; `caughtUp`: every event committed before a snapshot this read took has been
 * returned. A window left from an earlier read is finished first, then a fresh one is read.
 */
export async function readEvents(db: Executor, read: EventRead): Promise<{ events: EventRecord[]; next: EventPosition; caughtUp: boolean }> {
  return readLog(db, read, (query) =>
    query.select(['events.resource_id', 'events.chat_id', 'events.member_id', 'events.schema_version', 'events.payload', 'events.occurred_at']).execute(),
    (r): EventRecord => ({
      ...head(r),
      resourceId: r.resource_id,
      chatId: r.chat_id,
      memberId: r.member_id,
      schemaVersion: r.schema_version,
      payload: (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as Record<string, unknown>,
      occurredAt: r.occurred_at,
    }),
  );
}

/**
 * What the webhook dispatcher reads: the events of the workspaces that have an enabled webhook endpoint, as
 * readEvents reads them (same positions, same order; the others are passed over as a type filter passes
 * over other types), without their payloads, which deliveries read when they are attempted.
 */
export async function readEventHeadsForEndpoints(db: Executor, read: Pick<EventRead, 'after' | 'limit'>): Promise<{ events: EventHead[]; next: EventPosition; caughtUp: boolean }> {
  return readLog(
    db,
    read,
    (query) =>
      query
        .where((eb) => eb.exists(eb.selectFrom('webhook_endpoints').select(sql.lit(1).as('one')).whereRef('webhook_endpoints.workspace_id', '=', 'events.workspace_id').where('webhook_endpoints.enabled', '=', true)))
        .execute(),
    head,
  );
}

type HeadRow = { id: string; tx: string; seq: string | number | bigint; workspace_id: string; type: string };
const head = (r: HeadRow): EventHead => ({ id: r.id, tx: r.tx, seq: Number(r.seq), workspaceId: r.workspace_id, type: r.type });

/** A read of the log in two windows at most (see readEvents); `run` adds the columns or conditions it needs to the query of one window. */
async function readLog<R extends HeadRow, E extends EventHead>(
  db: Executor,
  read: EventRead,
  run: (query: ReturnType<typeof windowQuery>) => Promise<R[]>,
  map: (row: R) => E,
): Promise<{ events: E[]; next: EventPosition; caughtUp: boolean }> {
  const window = async (r: EventRead) => {
    const until = r.after.window?.until ?? (await currentSnapshot(db));
    const rows = await run(windowQuery(db, r, until));
    const events = rows.slice(0, r.limit).map(map);
    const caughtUp = rows.length <= r.limit;
    const last = events.at(-1);
    const next: EventPosition = caughtUp || !last ? { seen: until } : { seen: r.after.seen, window: { until, tx: last.tx, seq: last.seq } };
    return { events, next, caughtUp };
  };
  const first = await window(read);
  if (!read.after.window || !first.caughtUp) return first;
  // The window is done, but it was an earlier read's snapshot: not caught up until a fresh one says so.
  if (first.events.length >= read.limit) return { ...first, caughtUp: false };
  const fresh = await window({ ...read, after: first.next, limit: read.limit - first.events.length });
  return { events: [...first.events, ...fresh.events], next: fresh.next, caughtUp: fresh.caughtUp };
}

/** One window's query: the events after `read.after` visible in the snapshot `until`, in log order, one more than `limit`. */
function windowQuery(db: Executor, read: EventRead, until: string) {
  const seen = read.after.seen;
  let query = db
    .selectFrom('events')
    .select(['events.id', sql<string>`events.tx::text`.as('tx'), 'events.seq', 'events.workspace_id', 'events.type'])
    .where(sql<SqlBool>`events.tx < pg_snapshot_xmax(${until}::pg_snapshot)`)
    .where(sql<SqlBool>`pg_visible_in_snapshot(events.tx, ${until}::pg_snapshot)`);
  if (seen !== null) {
    // Every transaction below the earlier snapshot's xmin was visible in it: that bound (which the index
    // on (tx, seq) can use, unlike the ones below) keeps a read from scanning the whole log.
    query = query
      .where(sql<SqlBool>`events.tx >= pg_snapshot_xmin(${seen}::pg_snapshot)`)
      .where(sql<SqlBool>`(events.tx >= pg_snapshot_xmax(${seen}::pg_snapshot) or events.tx in (select pg_snapshot_xip(${seen}::pg_snapshot)))`)
      .where(sql<SqlBool>`not pg_visible_in_snapshot(events.tx, ${seen}::pg_snapshot)`);
  }
  if (read.after.window) query = query.where(sql<SqlBool>`(events.tx, events.seq) > (${read.after.window.tx}::xid8, ${read.after.window.seq}::bigint)`);
  if (read.workspaceId) query = query.where('events.workspace_id', '=', read.workspaceId);
  if (read.types?.length) query = query.where('events.type', 'in', [...read.types]);
  if (read.reach) query = query.where(visibleTo(read.reach));
  return query.orderBy(sql`events.tx`).orderBy('events.seq').limit(read.limit + 1);
}

/** The workspace's events since `since` (for redelivery), in log order, up to `limit`. */
export async function listEventsSince(db: Executor, workspaceId: string, since: Date, limit: number): Promise<Array<{ id: string; type: string }>> {
  return db
    .selectFrom('events')
    .select(['id', 'type'])
    .where('workspace_id', '=', workspaceId)
    .where('occurred_at', '>=', since)
    .orderBy(sql`tx`)
    .orderBy('seq')
    .limit(limit)
    .execute();
}

export async function findEventById(db: Executor, workspaceId: string, id: string): Promise<{ id: string; type: string } | undefined> {
  return db.selectFrom('events').select(['id', 'type']).where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
}
