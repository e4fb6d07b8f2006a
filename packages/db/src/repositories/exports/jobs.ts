import { type Expression, type ExpressionBuilder, type SqlBool, sql, type UpdateObject } from 'kysely';
import type { Executor } from '../../executor.js';
import { fieldsOf } from '../../rows.js';
import type { Database, ExportJobStatus } from '../../schema.js';

// Export jobs (see the export-jobs migration). Every state change is one conditional UPDATE, so two
// workers racing on the same job cannot both win, and a worker whose lease was taken over cannot
// overwrite the outcome of the one that took it.

export interface ExportJobRecord {
  id: string;
  workspaceId: string;
  kind: string;
  requestedBy: number;
  params: Record<string, unknown>;
  status: ExportJobStatus;
  attempts: number;
  leaseUntil: Date | null;
  rowCount: number | null;
  byteCount: number | null;
  objectKey: string | null;
  error: string | null;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
}

const COLUMNS = [
  'id', 'workspace_id', 'kind', 'requested_by', 'params', 'status', 'attempts', 'lease_until', 'row_count', 'byte_count',
  'object_key', 'error', 'created_at', 'started_at', 'completed_at',
] as const;

type Row = {
  id: string; workspace_id: string; kind: string; requested_by: number; params: unknown; status: ExportJobStatus; attempts: number;
  lease_until: Date | null; row_count: number | null; byte_count: number | null; object_key: string | null; error: string | null;
  created_at: Date; started_at: Date | null; completed_at: Date | null;
};

function toRecord(r: Row): ExportJobRecord {
  return {
    ...fieldsOf(r, COLUMNS),
    params: (typeof r.params === 'string' ? JSON.parse(r.params) : r.params) as Record<string, unknown>,
    rowCount: r.row_count === null ? null : Number(r.row_count),
    byteCount: r.byte_count === null ? null : Number(r.byte_count),
  };
}

type JobCondition = (eb: ExpressionBuilder<Database, 'export_jobs'>) => Expression<SqlBool>;

/** The job is held by the run `attempt`: it is running and no later run has claimed it. */
function heldByRun(attempt: number): JobCondition {
  return (eb) => eb.and([eb('status', '=', 'running'), eb('attempts', '=', attempt)]);
}

/** The job is neither completed nor failed. */
const unfinished: JobCondition = (eb) => eb('status', 'in', ['queued', 'running']);

/** Running, with its lease expired: the run holding it died. */
const leaseExpired: JobCondition = (eb) => eb.and([eb('status', '=', 'running'), eb('lease_until', '<', sql<Date>`now()`)]);

/**
 * One conditional UPDATE of job `id` (updated_at moves with it): the job as it is after, or undefined when
 * `condition` did not hold.
 */
async function updateJob(db: Executor, id: string, values: UpdateObject<Database, 'export_jobs'>, condition: JobCondition): Promise<ExportJobRecord | undefined> {
  const row = await db
    .updateTable('export_jobs')
    .set({ ...values, updated_at: sql`now()` })
    .where('id', '=', id)
    .where(condition)
    .returning(COLUMNS)
    .executeTakeFirst();
  return row ? toRecord(row) : undefined;
}

export interface NewExportJob {
  workspaceId: string;
  kind: string;
  requestedBy: number;
  params: Record<string, unknown>;
  paramsHash: string;
}

/**
 * Records a queued job, or returns the queued or running job of the same member, kind and params
 * (`created: false`): the partial unique index decides, so concurrent identical requests share one.
 */
export async function createOrShareExportJob(db: Executor, job: NewExportJob): Promise<{ job: ExportJobRecord; created: boolean }> {
  // A shared job can finish between the insert and the read; then a second insert succeeds.
  for (let attempt = 0; attempt < 3; attempt++) {
    const inserted = await db
      .insertInto('export_jobs')
      .values({ workspace_id: job.workspaceId, kind: job.kind, requested_by: job.requestedBy, params: JSON.stringify(job.params), params_hash: job.paramsHash })
      // The index predicate as literals: Postgres infers the arbiter index at planning, and a prepared
      // statement's parameters (prepared.ts) would not prove the partial index's predicate.
      .onConflict((oc) => oc.columns(['workspace_id', 'requested_by', 'kind', 'params_hash']).where('status', 'in', [sql.lit<ExportJobStatus>('queued'), sql.lit<ExportJobStatus>('running')]).doNothing())
      .returning(COLUMNS)
      .executeTakeFirst();
    if (inserted) return { job: toRecord(inserted), created: true };
    const active = await db
      .selectFrom('export_jobs')
      .select(COLUMNS)
      .where('workspace_id', '=', job.workspaceId)
      .where('requested_by', '=', job.requestedBy)
      .where('kind', '=', job.kind)
      .where('params_hash', '=', job.paramsHash)
      .where(unfinished)
      .executeTakeFirst();
    if (active) return { job: toRecord(active), created: false };
  }
  throw new Error('could not record the export job');
}

/** Which export jobs a caller may read, as the policy in core decides it. */
export interface ExportJobReach {
  workspaceId: string;
  /** Only the jobs this member requested; null: every job of the workspace. */
  requestedBy: number | null;
}

/** A job within the reach, or undefined (also for another workspace's job, or another member's without full reach). */
export async function findExportJob(db: Executor, reach: ExportJobReach, id: string): Promise<ExportJobRecord | undefined> {
  const row = await db
    .selectFrom('export_jobs')
    .select(COLUMNS)
    .where('id', '=', id)
    .where('workspace_id', '=', reach.workspaceId)
    .$if(reach.requestedBy !== null, (qb) => qb.where('requested_by', '=', reach.requestedBy!))
    .executeTakeFirst();
  return row ? toRecord(row) : undefined;
}

/** A job by id alone: for the worker, which trusts the queue's message. */
export async function findExportJobById(db: Executor, id: string): Promise<ExportJobRecord | undefined> {
  const row = await db.selectFrom('export_jobs').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  return row ? toRecord(row) : undefined;
}

/**
 * Takes the job for one run: a queued job, or a running one whose lease expired (its worker died).
 * Returns the job with its new attempt number, which fences the outcome updates below; undefined when
 * the job is finished or another worker holds a live lease.
 */
export async function claimExportJob(db: Executor, id: string, leaseSeconds: number): Promise<ExportJobRecord | undefined> {
  return updateJob(
    db,
    id,
    {
      status: 'running',
      attempts: sql`attempts + 1`,
      // A new run counts its rows from the start.
      row_count: null,
      lease_until: sql`now() + make_interval(secs => ${leaseSeconds})`,
      started_at: sql`now()`,
    },
    (eb) => eb.or([eb('status', '=', 'queued'), leaseExpired(eb)]),
  );
}

/** The rows the run `attempt` has written so far, while it still holds the job (nothing otherwise). */
export async function recordExportProgress(db: Executor, id: string, attempt: number, rows: number): Promise<void> {
  await db.updateTable('export_jobs').set({ row_count: rows, updated_at: sql`now()` }).where('id', '=', id).where(heldByRun(attempt)).execute();
}

/** Marks the run `attempt` completed and returns the job; undefined when that run no longer holds the job. */
export async function completeExportJob(
  db: Executor,
  id: string,
  attempt: number,
  result: { rowCount: number; byteCount: number; objectKey: string },
): Promise<ExportJobRecord | undefined> {
  return updateJob(
    db,
    id,
    { status: 'completed', row_count: result.rowCount, byte_count: result.byteCount, object_key: result.objectKey, error: null, lease_until: null, completed_at: sql`now()` },
    heldByRun(attempt),
  );
}

/**
 * Ends the run `attempt` without a file: back to `queued` for the next delivery (`final: false`), or
 * `failed` for good. Keeps the reason either way. Returns the job; undefined when that run no longer holds it.
 */
export async function releaseExportJob(db: Executor, id: string, attempt: number, outcome: { error: string; final: boolean }): Promise<ExportJobRecord | undefined> {
  return updateJob(
    db,
    id,
    { status: outcome.final ? 'failed' : 'queued', error: outcome.error, lease_until: null, completed_at: outcome.final ? sql`now()` : null },
    heldByRun(attempt),
  );
}

/** What a job failed for good is set to. */
function failed(error: string): UpdateObject<Database, 'export_jobs'> {
  return { status: 'failed', error, lease_until: null, completed_at: sql`now()` };
}

/** Fails a job that is not finished, whoever holds it: its message could not be queued, or was given up on. Returns it failed, or undefined (finished already). */
export async function failExportJob(db: Executor, id: string, error: string): Promise<ExportJobRecord | undefined> {
  return updateJob(db, id, failed(error), unfinished);
}

/** Jobs not finished, oldest first: what an in-process queue checks for lost messages (SQS keeps its own). */
export async function listUnfinishedExportJobs(db: Executor): Promise<ExportJobRecord[]> {
  const rows = await db.selectFrom('export_jobs').select(COLUMNS).where(unfinished).orderBy('created_at').execute();
  return rows.map(toRecord);
}

/**
 * Puts back in the queue a job whose run died holding it (running, its lease expired), so that whoever
 * gets it back sends it to the queue again; of racing callers only one does. Its attempts are kept. Returns
 * the job queued, or undefined (finished, queued already, or its lease still live).
 */
export async function requeueExpiredExportJob(db: Executor, id: string): Promise<ExportJobRecord | undefined> {
  return updateJob(db, id, { status: 'queued', lease_until: null }, leaseExpired);
}

/**
 * Fails a job whose last permitted run stopped without a word (timed out or crashed holding it): it is
 * running, its lease has expired, and no delivery is left to take it over. Returns it failed, or undefined.
 */
export async function failAbandonedExportJob(db: Executor, id: string, maxAttempts: number, error: string): Promise<ExportJobRecord | undefined> {
  return updateJob(db, id, failed(error), (eb) => eb.and([leaseExpired(eb), eb('attempts', '>=', maxAttempts)]));
}
