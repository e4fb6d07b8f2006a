import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../../schema.js';
import type { Executor } from '../../executor.js';

// Statistics rollups (see the statistics-rollups and statistics-value-lists migrations). Two writers, one lock:
// - foldStatistics recomputes the 15-minute slices the triggers marked dirty, then their parents;
// - rebuildStatistics recomputes everything (the backfill).
// Both derive every figure from the same fact rows, which rawStatistics (the reference the tests and the
// benchmark compare against) also reads, bucketed by Postgres's own time-zone arithmetic instead.

/** The channel key of chats without a channel, and of an assistant's total over every channel. */
export const NO_CHANNEL_KEY = '00000000-0000-0000-0000-000000000000';
export const ALL_CHANNELS_KEY = 'ffffffff-ffff-ffff-ffff-ffffffffffff';

/** Bucket lengths in seconds, finest first; each divides the next, all aligned to the Unix epoch. */
export const ROLLUP_SIZES = [900, 3600, 86400, 1382400] as const;
export type RollupSize = (typeof ROLLUP_SIZES)[number];

/**
 * The metrics kept as distributions (value -> count), by the key the rows store:
 * len: characters per message (user and assistant); int: user messages (one value, '');
 * intent: intent name; score: intent score quantised to thousandths; step: flow step of a message;
 * cmc: messages per conversation (by the chat's creation); lang: conversation language ('unknown');
 * cdur / cin: call duration in seconds / user inputs per call; cexit / cend: exit step / end reason of
 * calls ('unknown'); ctransfer: transfer target of transferred calls.
 */
export const STAT_METRICS = ['len', 'int', 'intent', 'score', 'step', 'cmc', 'lang', 'cdur', 'cin', 'cexit', 'cend', 'ctransfer'] as const;
export type StatMetric = (typeof STAT_METRICS)[number];
/**
 * Metrics that rollups below a day store as lists of values ([12, 40, 12]) instead of value -> count
 * objects: in a slice their values rarely repeat, and counting them would cost more than it saves.
 * Readers get every distribution as value -> count.
 */
const LISTED_METRICS: readonly StatMetric[] = ['len', 'score', 'cmc'];
const LISTED_BELOW = 86400;
const isListed = (metric: RawBuilder<unknown>) => sql`${metric} in (${sql.join(LISTED_METRICS.map((m) => sql.lit(m)))})`;
export type Distribution = Record<string, number>;
export type Distributions = Partial<Record<StatMetric, Distribution>>;

/** Intent scores are quantised to this many steps per unit before they are counted. */
export const SCORE_QUANTUM = 1000;

const LOCK_NAME = 'parley statistics rollup';
const LOCK = sql`select pg_advisory_xact_lock(hashtext(${LOCK_NAME}))`;
const inTransaction = <T>(db: Executor, run: (trx: Executor) => Promise<T>) =>
  'isTransaction' in db && db.isTransaction ? run(db) : db.transaction().execute(run);
const seconds = (size: number) => sql`make_interval(secs => ${sql.lit(size)})`;
const parentOf = (size: number, column: RawBuilder<unknown>) => sql`date_bin(${seconds(size)}, ${column}, timestamptz '1970-01-01 00:00:00+00')`;

/** Where a fact comes from: the slices in `stats_work` (the fold), a span of time (the backfill, of every workspace or one), or one assistant's period (the raw reference). */
type FactSource = { kind: 'work' } | { kind: 'span'; workspaceId?: string; from: Date; to: Date } | { kind: 'raw'; workspaceId: string; assistantId: string; channelId?: string; from: Date; to: Date };

/**
 * One row per counted thing: (workspace, assistant, channel key, bucket, metric, value). Messages and
 * chats of removed or test chats are left out; a chat's assistant is its current responder.
 * `bucket` is an expression over the fact's time `t`.
 */
function facts(source: FactSource, bucket: (t: RawBuilder<unknown>) => RawBuilder<unknown>) {
  const mt = sql`m.created_at`;
  const ct = sql`c.created_at`;
  let msgFrom: RawBuilder<unknown>;
  let chatFrom: RawBuilder<unknown>;
  let messageCount: RawBuilder<unknown>;
  const perChat = sql`(select count(*) from messages x where x.chat_id = c.id and x.role in ('user', 'assistant'))`;
  if (source.kind === 'work') {
    // Laterals fenced with `offset 0`: a few slices drive index lookups (joined plainly, the estimates are so
    // large that Postgres hashes every chat and every rollup).
    msgFrom = sql`stats_work w
      cross join lateral (select * from messages m where m.workspace_id = w.workspace_id and m.created_at >= w.bucket and m.created_at < w.bucket + interval '15 minutes' offset 0) m
      cross join lateral (select * from chats c where c.id = m.chat_id offset 0) c where true`;
    chatFrom = sql`stats_work w
      cross join lateral (select * from chats c where c.workspace_id = w.workspace_id and c.created_at >= w.bucket and c.created_at < w.bucket + interval '15 minutes' and not c.is_removed offset 0) c where true`;
    messageCount = perChat;
  } else if (source.kind === 'span') {
    // A span of the backfill: its messages and chats by time. A chat's messages are counted among the
    // span's own (already at hand), plus any before or after the span, which two index probes find
    // (nearly always none) without reading the chat's messages again.
    const ws = source.workspaceId ? sql`and m.workspace_id = ${source.workspaceId}` : sql``;
    const wsc = source.workspaceId ? sql`and c.workspace_id = ${source.workspaceId}` : sql``;
    const outside = (range: RawBuilder<unknown>) => sql`(select count(*) from messages x where x.chat_id = c.id and ${range} and x.role in ('user', 'assistant'))`;
    // Each message's chat by its key, remembered for the chat's next messages (a memoized lookup): joined
    // plainly, every span would read and hash every chat of the database.
    msgFrom = sql`messages m cross join lateral (select c.current_responder_id, c.responder_id, c.channel_id, c.is_removed, c.is_test from chats c where c.id = m.chat_id offset 0) c
      where m.created_at >= ${source.from} and m.created_at < ${source.to} ${ws}`;
    chatFrom = sql`chats c left join (select chat_id, count(*) as n from m where role in ('user', 'assistant') group by chat_id) inside on inside.chat_id = c.id
      where c.created_at >= ${source.from} and c.created_at < ${source.to} ${wsc}`;
    messageCount = sql`coalesce(inside.n, 0) + ${outside(sql`x.created_at < ${source.from}`)} + ${outside(sql`x.created_at >= ${source.to}`)}`;
  } else {
    const ch = source.channelId ? sql`and c.channel_id = ${source.channelId}` : sql``;
    const who = sql`coalesce(c.current_responder_id, c.responder_id) = ${source.assistantId} ${ch}`;
    msgFrom = sql`messages m join chats c on c.id = m.chat_id
      where m.workspace_id = ${source.workspaceId} and m.created_at >= ${source.from} and m.created_at < ${source.to} and ${who}`;
    chatFrom = sql`chats c where c.workspace_id = ${source.workspaceId} and c.created_at >= ${source.from} and c.created_at < ${source.to} and ${who}`;
    messageCount = perChat;
  }
  return sql`
    m as (
      select m.workspace_id, m.chat_id, coalesce(c.current_responder_id, c.responder_id) as assistant_id,
             coalesce(c.channel_id, ${NO_CHANNEL_KEY}::uuid) as channel_key, ${bucket(mt)} as bucket,
             m.role, char_length(m.content) as len, m.intent_name, m.intent_score, m.step
      from ${msgFrom} and not c.is_removed and not c.is_test
    ),
    ch as (
      select c.workspace_id, coalesce(c.current_responder_id, c.responder_id) as assistant_id,
             coalesce(c.channel_id, ${NO_CHANNEL_KEY}::uuid) as channel_key, ${bucket(ct)} as bucket,
             c.language, c.call_duration_seconds, c.call_end_reason, c.call_exit_step, c.call_transfer_target, c.call_user_inputs,
             ${messageCount} as message_count
      from ${chatFrom} and not c.is_removed and not c.is_test
    ),
    facts as (
      select m.workspace_id, m.assistant_id, m.channel_key, m.bucket, f.metric, f.k
      from m cross join lateral (values
        ('len', case when m.role in ('user', 'assistant') then m.len::text end),
        ('int', case when m.role = 'user' then '' end),
        ('intent', m.intent_name),
        ('score', round(m.intent_score * ${sql.lit(SCORE_QUANTUM)})::int::text),
        ('step', m.step)
      ) f(metric, k)
      where f.k is not null
      union all
      select ch.workspace_id, ch.assistant_id, ch.channel_key, ch.bucket, f.metric, f.k
      from ch cross join lateral (values
        ('cmc', ch.message_count::text),
        ('lang', coalesce(ch.language, 'unknown')),
        ('cdur', ch.call_duration_seconds::text),
        ('cin', case when ch.call_duration_seconds is not null then ch.call_user_inputs::text end),
        ('cexit', case when ch.call_duration_seconds is not null then coalesce(ch.call_exit_step, 'unknown') end),
        ('cend', case when ch.call_duration_seconds is not null then coalesce(ch.call_end_reason, 'unknown') end),
        ('ctransfer', case when ch.call_duration_seconds is not null then ch.call_transfer_target end)
      ) f(metric, k)
      where f.k is not null
    )`;
}

/**
 * The facts counted per (workspace, assistant, channel key, bucket, metric, value), or for listed
 * metrics listed per (workspace, assistant, channel key, bucket, metric): one grouping per metric,
 * which is several times cheaper over millions of messages than grouping the facts as one stream.
 * Must count exactly what `facts` lists (the property test compares rollups against raw facts).
 */
function counted(source: FactSource, bucket: (t: RawBuilder<unknown>) => RawBuilder<unknown>) {
  const keys = sql`workspace_id, assistant_id, channel_key, bucket`;
  // Numbers are grouped as numbers (hashing an int is cheaper than its text) and named as text after.
  // Listed metrics (see LISTED_METRICS) become one row per bucket with the list of values in `v`.
  const per = (from: 'm' | 'ch', metric: StatMetric, value: RawBuilder<unknown>, where: RawBuilder<unknown>) =>
    LISTED_METRICS.includes(metric)
      ? sql`select ${keys}, ${metric}::text as metric, null::text as k, count(*) as n, array_agg((${value})::int) as v from ${sql.raw(from)} where ${where} group by ${keys}`
      : sql`select ${keys}, ${metric}::text as metric, (${value})::text as k, count(*) as n, null::int[] as v from ${sql.raw(from)} where ${where} group by ${keys}, ${value}`;
  const isCall = sql`call_duration_seconds is not null`;
  return sql`with ${facts(source, bucket)}
    ${sql.join(
      [
        per('m', 'len', sql`len`, sql`role in ('user', 'assistant')`),
        per('m', 'int', sql`''::text`, sql`role = 'user'`),
        per('m', 'intent', sql`intent_name`, sql`intent_name is not null`),
        per('m', 'score', sql`round(intent_score * ${sql.lit(SCORE_QUANTUM)})::int`, sql`intent_score is not null`),
        per('m', 'step', sql`step`, sql`step is not null`),
        per('ch', 'cmc', sql`message_count`, sql`true`),
        per('ch', 'lang', sql`coalesce(language, 'unknown')`, sql`true`),
        per('ch', 'cdur', sql`call_duration_seconds`, isCall),
        per('ch', 'cin', sql`call_user_inputs`, sql`${isCall} and call_user_inputs is not null`),
        per('ch', 'cexit', sql`coalesce(call_exit_step, 'unknown')`, isCall),
        per('ch', 'cend', sql`coalesce(call_end_reason, 'unknown')`, isCall),
        per('ch', 'ctransfer', sql`call_transfer_target`, sql`${isCall} and call_transfer_target is not null`),
      ],
      sql` union all `,
    )}`;
}

/**
 * Rows of `counted(workspace_id, assistant_id, channel_key, bucket, metric, k, n, v)` into rollup rows
 * of `size`: a metric's rows are either counts (k, n) or lists (v, with n their length). Lists are
 * stored sorted, so the same facts always give the same row.
 */
function insertRollups(size: number, counted: RawBuilder<unknown>) {
  return sql`
    with counted as (${counted}),
    per_metric as (
      select workspace_id, assistant_id, channel_key, bucket, metric, sum(n) as total,
             sum(case when metric = 'cdur' then k::bigint * n else 0 end) as weighted,
             case when count(v) > 0 then to_json(array(select x from unnest(stats_concat(v)) x order by x)) else json_object_agg(k, n) filter (where k is not null) end as obj
      from counted group by 1, 2, 3, 4, 5
    )
    insert into stats_rollups (workspace_id, assistant_id, channel_key, size, bucket, conversations, messages, interactions, call_duration, dists)
    select workspace_id, assistant_id, channel_key, ${sql.lit(size)}, bucket,
           coalesce(sum(total) filter (where metric = 'cmc'), 0),
           coalesce(sum(total) filter (where metric = 'len'), 0),
           coalesce(sum(total) filter (where metric = 'int'), 0),
           sum(weighted),
           json_object_agg(metric, obj)
    from per_metric group by workspace_id, assistant_id, channel_key, bucket`;
}

/** Slices (15 minutes) from raw facts. */
function sliceRollups(source: FactSource) {
  return insertRollups(900, counted(source, (t) => sql`stats_slice(${t})`));
}

/**
 * Rollups of `size` from those of the size below, for the parents in `stats_parents`.
 * The hour level also adds each assistant's total over every channel, which the levels above carry on.
 */
function parentRollups(size: number, child: number) {
  const keys = child === 900 ? sql`cross join lateral (values (r.channel_key), (${ALL_CHANNELS_KEY}::uuid)) k(channel_key)` : sql`cross join lateral (values (r.channel_key)) k(channel_key)`;
  // The children's distributions, one row per metric, stored counted (an object) or listed (an array).
  const children = sql`select r.workspace_id, r.assistant_id, k.channel_key, ${parentOf(size, sql`r.bucket`)} as bucket, d.key as metric, d.value
    from stats_parents p cross join lateral (
      select * from stats_rollups r where r.workspace_id = p.workspace_id and r.size = ${sql.lit(child)} and r.bucket >= p.bucket and r.bucket < p.bucket + ${seconds(size)} offset 0) r
    ${keys}
    cross join lateral json_each(r.dists) d`;
  const cols = sql.raw('workspace_id, assistant_id, channel_key, bucket, metric');
  const isArray = sql`json_typeof(value) = 'array'`;
  // A json array of integers read as int[] by its text ([1,2] -> {1,2}), much cheaper than taking it apart.
  const list = sql`translate(value::text, '[]', '{}')::int[]`;
  return insertRollups(
    size,
    size < LISTED_BELOW
      ? // Listed metrics stay lists: joined, with any counted child (written before lists) expanded.
        sql`with d as (${children})
          select ${cols}, e.key as k, sum(e.value::bigint) as n, null::int[] as v
          from d cross join lateral json_each_text(value) e where not ${isListed(sql`metric`)} group by ${cols}, e.key
          union all
          select ${cols}, null, sum(cardinality(l.v)), stats_concat(l.v)
          from d cross join lateral (select case when ${isArray} then ${list}
            else array(select e.key::int from json_each_text(value) e cross join generate_series(1, e.value::int)) end as v) l
          where ${isListed(sql`metric`)} group by ${cols}`
      : // Everything counted, lists and objects together (a value may come from both). A parent's lists are
        // joined first and counted per parent (a small hash of integers each), rather than every listed
        // value becoming a row of one sort over all the parents' keys.
        sql`with d as (${children})
          select ${cols}, k, sum(n) as n, null::int[] as v from (
            select ${cols}, e.key as k, e.value::bigint as n from d cross join lateral json_each_text(case when not ${isArray} then value end) e
            union all
            select ${cols}, u.x::text, u.n from (select ${cols}, stats_concat(${list}) as v from d where ${isArray} group by ${cols}) g
            cross join lateral (select x, count(*) as n from unnest(g.v) x group by x) u
          ) e group by ${cols}, k`,
  );
}

/** Reports the time since the previous call (or since it was made) under each phase's name. */
function phaseTimer(onPhase?: (phase: string, ms: number) => void) {
  let mark = performance.now();
  return (name: string) => {
    const now = performance.now();
    onPhase?.(name, now - mark);
    mark = now;
  };
}

/** Deletes the rollups of `size` at the (workspace, bucket) pairs of a small table, by index lookups. */
function deleteRollups(trx: Executor, table: 'stats_work' | 'stats_parents', size: number) {
  return sql`delete from stats_rollups where ctid = any(array(
    select r.ctid from ${sql.raw(table)} p
    cross join lateral (select ctid from stats_rollups r where r.workspace_id = p.workspace_id and r.size = ${sql.lit(size)} and r.bucket = p.bucket offset 0) r))`.execute(trx);
}

export interface FoldResult {
  /** Dirty 15-minute slices recomputed. */
  slices: number;
}

/**
 * Folds every change the triggers noted into the rollups: the slices are recomputed from raw rows and
 * their parents from their children, in one transaction under a lock, so a second or concurrent run
 * finds nothing more to do and changes nothing. Markers written by transactions that commit later
 * stay for the next run.
 */
export async function foldStatistics(db: Executor, options: { onPhase?: (phase: string, ms: number) => void } = {}): Promise<FoldResult> {
  const phase = phaseTimer(options.onPhase);
  return inTransaction(db, async (trx) => {
    await LOCK.execute(trx);
    await sql`drop table if exists stats_work`.execute(trx);
    await sql`create temp table stats_work on commit drop as
      with taken as (delete from stats_dirty returning workspace_id, bucket) select distinct workspace_id, bucket from taken`.execute(trx);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from stats_work`.execute(trx);
    const slices = rows[0]?.n ?? 0;
    if (slices === 0) return { slices };
    await sql`analyze stats_work`.execute(trx);
    await deleteRollups(trx, 'stats_work', 900);
    // The slices' raw rows are few, but the range join's estimates are large: JIT would spend seconds compiling.
    await sql`set local jit = off`.execute(trx);
    // A day's slices hold 100,000s of facts and the day level unnests their lists: sorted and hashed in
    // memory rather than in files (with the default 4 MB the day level alone spilled 26 MB).
    await sql`set local work_mem = '64MB'`.execute(trx);
    phase('take');
    await sliceRollups({ kind: 'work' }).execute(trx);
    phase('900');
    for (let i = 1; i < ROLLUP_SIZES.length; i++) {
      const size = ROLLUP_SIZES[i]!;
      await sql`drop table if exists stats_parents`.execute(trx);
      await sql`create temp table stats_parents on commit drop as select distinct workspace_id, ${parentOf(size, sql`bucket`)} as bucket from stats_work`.execute(trx);
      await deleteRollups(trx, 'stats_parents', size);
      await parentRollups(size, ROLLUP_SIZES[i - 1]!).execute(trx);
      phase(String(size));
    }
    return { slices };
  });
}

/** How far a backfill is: after its plan, then after each span. */
export interface BackfillProgress {
  spans: number;
  spansDone: number;
  /** Rollup rows written so far. */
  rows: number;
}

/** The span the backfill splits: whole 16-day blocks, so that every level's buckets fall inside one span. */
const SPAN_MS = 2 * 1_382_400_000;

/**
 * Recomputes every rollup (of one workspace, or all) from raw rows: the backfill. The data's time range
 * is split into spans of 32 days (whole 16-day blocks), each rebuilt in its own transaction, whose
 * aggregates fit in memory; with `concurrency` above 1 (and a pool with that many spare connections)
 * spans run side by side. Folds wait meanwhile: the backfill holds their lock. Readers see each span
 * switch from old to new rollups at once.
 */
export async function rebuildStatistics(
  db: Kysely<Database>,
  options: { workspaceId?: string; concurrency?: number; onPhase?: (phase: string, ms: number) => void; onProgress?: (progress: BackfillProgress) => void } = {},
): Promise<{ rows: number; spans: number }> {
  const phase = phaseTimer(options.onPhase);
  const ws = options.workspaceId;
  const where = (column: string) => (ws ? sql`${sql.ref(column)} = ${ws}` : sql`true`);
  const concurrency = Math.max(1, options.concurrency ?? 1);
  const run = async (locked: Executor) => {
    await sql`delete from stats_dirty where ${where('workspace_id')}`.execute(locked);
    const { rows: range } = await sql<{ lo: number | null; hi: number | null }>`
      select (extract(epoch from min(t)) * 1000)::int8 as lo, (extract(epoch from max(t)) * 1000)::int8 as hi
      from (select id from workspaces where ${where('id')}) w
      -- Per workspace, so that each end is one probe of a (workspace_id, created_at) index, not a scan
      -- (removed chats count for nothing).
      cross join lateral (values
        ((select min(created_at) from chats c where c.workspace_id = w.id and not c.is_removed)),
        ((select max(created_at) from chats c where c.workspace_id = w.id and not c.is_removed)),
        ((select min(created_at) from messages m where m.workspace_id = w.id)), ((select max(created_at) from messages m where m.workspace_id = w.id))
      ) x(t)`.execute(locked);
    const lo = range[0]?.lo == null ? 0 : Math.floor(Number(range[0].lo) / SPAN_MS) * SPAN_MS;
    const hi = range[0]?.hi == null ? 0 : (Math.floor(Number(range[0].hi) / SPAN_MS) + 1) * SPAN_MS;
    // Rows outside the data's range (of data since deleted) go first.
    await sql`delete from stats_rollups where ${where('workspace_id')} and (bucket < ${new Date(lo)} or bucket >= ${new Date(hi)})`.execute(locked);
    const spans: Array<[number, number]> = [];
    for (let t = lo; t < hi; t += SPAN_MS) spans.push([t, t + SPAN_MS]);
    phase('plan');
    const progress: BackfillProgress = { spans: spans.length, spansDone: 0, rows: 0 };
    options.onProgress?.({ ...progress });
    const rebuild = async (trx: Executor, [from, to]: [number, number]) => {
      progress.rows += await rebuildSpan(trx, ws, new Date(from), new Date(to), options.onPhase);
      progress.spansDone++;
      options.onProgress?.({ ...progress });
    };
    if (concurrency === 1) {
      for (const span of spans) await rebuild(locked, span);
    } else {
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(concurrency, spans.length) }, async () => {
          while (next < spans.length) {
            const span = spans[next++]!;
            await db.transaction().execute((trx) => rebuild(trx, span));
          }
        }),
      );
    }
    phase('spans');
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from stats_rollups where ${where('workspace_id')}`.execute(locked);
    return { rows: rows[0]?.n ?? 0, spans: spans.length };
  };
  if (concurrency === 1) {
    return inTransaction(db, async (trx) => {
      await LOCK.execute(trx);
      return run(trx);
    });
  }
  // A session lock on a connection of its own, held while the spans commit on others.
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(hashtext(${LOCK_NAME}))`.execute(conn);
    try {
      return await run(conn);
    } finally {
      await sql`select pg_advisory_unlock(hashtext(${LOCK_NAME}))`.execute(conn);
    }
  });
}

/**
 * One span of the backfill, in the caller's transaction: its rollups deleted and rebuilt level by level.
 * Returns the rollup rows it wrote.
 */
async function rebuildSpan(trx: Executor, ws: string | undefined, from: Date, to: Date, onPhase?: (phase: string, ms: number) => void): Promise<number> {
  let written = 0;
  const insert = async (size: number, counted: RawBuilder<unknown>) => {
    written += Number((await insertRollups(size, counted).execute(trx)).numAffectedRows ?? 0);
  };
  // Each step's time under `span <step>` (spans may run side by side, so these add up to more than the wall time).
  const step = phaseTimer(onPhase && ((name, ms) => onPhase(`span ${name}`, ms)));
  // A span's aggregates fit in memory; JIT would compile for seconds and save none. Spans run side by
  // side, one per core: parallel workers inside each would only contend with the other spans (on two
  // cores the backfill took 105-109 s without them, 123 s with them).
  await sql`set local work_mem = '512MB'`.execute(trx);
  await sql`set local jit = off`.execute(trx);
  await sql`set local max_parallel_workers_per_gather = 0`.execute(trx);
  // A span's messages come by the time index (a sequential scan would read every message of every span).
  await sql`set local random_page_cost = 1.1`.execute(trx);
  await sql`delete from stats_rollups where ${ws ? sql`workspace_id = ${ws}` : sql`true`} and bucket >= ${from} and bucket < ${to}`.execute(trx);
  step('delete');
  // Counted facts per level in temporary tables: each level regroups the one below (no JSON to take
  // apart), and the hour level adds the totals over every channel.
  await sql`drop table if exists stats_counted_900`.execute(trx);
  await sql`create temp table stats_counted_900 on commit drop as ${counted({ kind: 'span', workspaceId: ws, from, to }, (t) => sql`stats_slice(${t})`)}`.execute(trx);
  step('count 900');
  await insert(900, sql`select * from stats_counted_900`);
  step('insert 900');
  for (let i = 1; i < ROLLUP_SIZES.length; i++) {
    const [size, child] = [ROLLUP_SIZES[i]!, ROLLUP_SIZES[i - 1]!];
    const table = sql.raw(`stats_counted_${size}`);
    await sql`drop table if exists ${table}`.execute(trx);
    const below = sql.raw(`stats_counted_${child}`);
    // Lists are joined while the level keeps them, and counted by value where it stops: per parent, each
    // parent's joined list counted on its own (small hashes of integers, not one grouping of every value).
    await sql`create temp table ${table} on commit drop as ${
      size < LISTED_BELOW
        ? sql`select workspace_id, assistant_id, channel_key, ${parentOf(size, sql`bucket`)} as bucket, metric, k, sum(n)::bigint as n, stats_concat(v) as v
            from ${below} group by 1, 2, 3, 4, 5, 6`
        : sql`select workspace_id, assistant_id, channel_key, ${parentOf(size, sql`bucket`)} as bucket, metric, k, sum(n)::bigint as n, null::int[] as v
            from ${below} where v is null group by 1, 2, 3, 4, 5, 6
            union all
            select g.workspace_id, g.assistant_id, g.channel_key, g.bucket, g.metric, u.x::text, u.n, null
            from (select workspace_id, assistant_id, channel_key, ${parentOf(size, sql`bucket`)} as bucket, metric, stats_concat(v) as v
                  from ${below} where v is not null group by 1, 2, 3, 4, 5) g
            cross join lateral (select x, count(*) as n from unnest(g.v) x group by x) u`
    }`.execute(trx);
    step(`count ${size}`);
    if (child === 900) {
      // The totals over every channel, from the hour's channels.
      await sql`insert into ${table}
        select workspace_id, assistant_id, ${ALL_CHANNELS_KEY}::uuid, bucket, metric, k, sum(n)::bigint, stats_concat(v)
        from ${table} group by 1, 2, 4, 5, 6`.execute(trx);
      step('count all channels');
    }
    await insert(size, sql`select * from ${table}`);
    step(`insert ${size}`);
  }
  return written;
}


/** How many slices wait for the rollup. */
export async function countDirtyStatistics(db: Executor): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from stats_dirty`.execute(db);
  return rows[0]?.n ?? 0;
}

// ---- Reading ----

/** Whose rollups: one channel, the assistant's total (`total`), or each channel apart (`each`). */
export type RollupScope = { channelKey: string } | 'total' | 'each';

/** Buckets of one size: exactly these starts, or every bucket starting in [from, to). */
export type RollupSelection = { size: RollupSize; buckets: Date[] } | { size: RollupSize; from: Date; to: Date };

export interface RollupRow {
  size: number;
  /** The bucket's start in ms since the epoch. */
  bucket: number;
  channelKey: string;
  /** The channel's type (per-channel rows of `each`); null for chats without a channel. */
  channelType: string | null;
  conversations: number;
  messages: number;
  interactions: number;
  callDuration: number;
  dists?: Distributions;
}

/**
 * Rollup rows of an assistant. With `total`, buckets under an hour (which keep no total row) come per
 * channel and the caller adds them up.
 */
export async function readRollups(
  db: Executor,
  query: { workspaceId: string; assistantId: string; scope: RollupScope; selections: RollupSelection[]; dists: boolean; channelTypes?: boolean },
): Promise<RollupRow[]> {
  const parts = query.selections
    .filter((s) => !('buckets' in s) || s.buckets.length > 0)
    .map((s) => {
      const scope =
        query.scope === 'each' || (query.scope === 'total' && s.size === 900)
          ? sql`r.channel_key <> ${ALL_CHANNELS_KEY}::uuid`
          : sql`r.channel_key = ${query.scope === 'total' ? ALL_CHANNELS_KEY : query.scope.channelKey}::uuid`;
      const when = 'buckets' in s ? sql`r.bucket = any(${s.buckets.map((b) => b.toISOString())}::timestamptz[])` : sql`r.bucket >= ${s.from} and r.bucket < ${s.to}`;
      return sql`(r.size = ${s.size} and ${scope} and ${when})`;
    });
  if (parts.length === 0) return [];
  const rows = await sql<{
    size: number; bucket: number; channel_key: string; channel_type: string | null; conversations: number; messages: number;
    interactions: number; call_duration: number | string; dists?: Distributions;
  }>`
    ${sql.join(
      // One branch per size, each an index range on (workspace, assistant, channel, size, bucket): ORed
      // together, Postgres may filter every row of the assistant instead.
      parts.map(
        (part) => sql`
          select r.size, (extract(epoch from r.bucket) * 1000)::int8 as bucket, r.channel_key, ${query.channelTypes ? sql`ch.type` : sql`null`} as channel_type,
                 r.conversations, r.messages, r.interactions, r.call_duration ${query.dists ? sql`, r.dists` : sql``}
          from stats_rollups r ${query.channelTypes ? sql`left join channels ch on ch.id = r.channel_key` : sql``}
          where r.workspace_id = ${query.workspaceId} and r.assistant_id = ${query.assistantId} and ${part}`,
      ),
      sql` union all `,
    )}`.execute(db);
  return rows.rows.map((r) => ({
    size: r.size,
    bucket: Number(r.bucket),
    channelKey: r.channel_key,
    channelType: r.channel_type,
    conversations: r.conversations,
    messages: r.messages,
    interactions: r.interactions,
    callDuration: Number(r.call_duration),
    ...(query.dists ? { dists: counts(typeof r.dists === 'string' ? JSON.parse(r.dists) : r.dists) } : {}),
  }));
}

/** Stored distributions as value -> count: listed metrics (see LISTED_METRICS) counted. */
function counts(stored: Record<string, Distribution | number[]>): Distributions {
  const out: Record<string, Distribution> = {};
  for (const [metric, dist] of Object.entries(stored)) {
    if (!Array.isArray(dist)) {
      out[metric] = dist;
      continue;
    }
    const d: Distribution = (out[metric] = {});
    for (const v of dist) d[v] = (d[v] ?? 0) + 1;
  }
  return out as Distributions;
}

// ---- The reference: the same figures straight from raw rows ----

export interface RawCounts {
  conversations: number;
  messages: number;
  interactions: number;
  callDuration: number;
}

export interface RawStatistics {
  /** Per local bucket start (Postgres's time-zone arithmetic), buckets without activity absent. */
  series: Array<{ start: Date } & RawCounts>;
  current: RawCounts;
  previous: RawCounts;
  dists: Distributions;
  /** Medians as percentile_cont computes them over raw values, by metric. */
  medians: Partial<Record<StatMetric, number | null>>;
  /** Conversations by channel type ('api' for chats without a channel). */
  byChannelType: Record<string, number>;
}

/**
 * The statistics of an assistant (on one channel, or all) computed from raw rows: what the rollups
 * must reproduce exactly. Buckets are local days (`date_trunc` in the zone) or local hours (the
 * instant minus its local minutes, so a repeated hour stays two buckets). Slow by design.
 */
export async function rawStatistics(
  db: Executor,
  q: { workspaceId: string; assistantId: string; channelId?: string; zone: string; interval: 86400 | 3600; start: Date; end: Date; previousStart: Date },
): Promise<RawStatistics> {
  const local =
    q.interval === 86400
      ? (t: RawBuilder<unknown>) => sql`date_trunc('day', ${t}, ${q.zone})`
      : (t: RawBuilder<unknown>) => sql`date_trunc('minute', ${t}) - make_interval(mins => extract(minute from ${t} at time zone ${q.zone})::int)`;
  const source = (from: Date, to: Date, bucket: (t: RawBuilder<unknown>) => RawBuilder<unknown>) =>
    facts({ kind: 'raw', workspaceId: q.workspaceId, assistantId: q.assistantId, channelId: q.channelId, from, to }, bucket);
  const countsOf = sql`count(*) filter (where metric = 'cmc')::int as conversations, count(*) filter (where metric = 'len')::int as messages,
                       count(*) filter (where metric = 'int')::int as interactions, coalesce(sum(k::bigint) filter (where metric = 'cdur'), 0) as call_duration`;
  const series = await sql<{ start: Date; conversations: number; messages: number; interactions: number; call_duration: string | number }>`
    with ${source(q.start, q.end, local)} select bucket as start, ${countsOf} from facts group by bucket order by bucket`.execute(db);
  const totals = async (from: Date, to: Date) => {
    const { rows } = await sql<{ conversations: number; messages: number; interactions: number; call_duration: string | number }>`
      with ${source(from, to, () => sql`null::timestamptz`)} select ${countsOf} from facts`.execute(db);
    return toCounts(rows[0]!);
  };
  const dists = await sql<{ metric: StatMetric; k: string; n: number }>`
    with ${source(q.start, q.end, () => sql`null::timestamptz`)} select metric, k, count(*)::int as n from facts group by 1, 2`.execute(db);
  const numeric = ['len', 'score', 'cmc', 'cdur', 'cin'] as const;
  const medians = await sql<Record<string, number | string | null>>`
    with ${source(q.start, q.end, () => sql`null::timestamptz`)}
    select ${sql.join(numeric.map((metric) => sql`percentile_cont(0.5) within group (order by k::numeric) filter (where metric = ${metric}) as ${sql.ref(metric)}`))}
    from facts`.execute(db);
  const byType = await sql<{ type: string; n: number }>`
    select coalesce(ch.type, 'api') as type, count(*)::int as n
    from chats c left join channels ch on ch.id = c.channel_id
    where c.workspace_id = ${q.workspaceId} and c.created_at >= ${q.start} and c.created_at < ${q.end}
      and coalesce(c.current_responder_id, c.responder_id) = ${q.assistantId} ${q.channelId ? sql`and c.channel_id = ${q.channelId}` : sql``}
      and not c.is_removed and not c.is_test
    group by 1`.execute(db);
  const d: Distributions = {};
  for (const r of dists.rows) (d[r.metric] ??= {})[r.k] = r.n;
  return {
    series: series.rows.map((r) => ({ start: r.start, ...toCounts(r) })),
    current: await totals(q.start, q.end),
    previous: await totals(q.previousStart, q.start),
    dists: d,
    medians: Object.fromEntries(numeric.map((m) => [m, medians.rows[0]?.[m] == null ? null : Number(medians.rows[0][m])])),
    byChannelType: Object.fromEntries(byType.rows.map((r) => [r.type, r.n])),
  };
}

function toCounts(r: { conversations: number; messages: number; interactions: number; call_duration: string | number }): RawCounts {
  return { conversations: r.conversations, messages: r.messages, interactions: r.interactions, callDuration: Number(r.call_duration) };
}
