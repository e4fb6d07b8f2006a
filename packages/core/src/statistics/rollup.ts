import { type BackfillProgress, countDirtyStatistics, type Database, type Executor, foldStatistics, rebuildStatistics } from '@parley/db';
import type { Kysely } from 'kysely';

// The statistics rollup: the cron (infra/cron.ts), the local server's timer and `npm run stats` call
// these. Both are idempotent and serialised by one lock, so overlapping runs are harmless.

/** Folds every change since the last run into the rollups. */
export async function rollupStatistics(db: Executor): Promise<{ slices: number; ms: number }> {
  const t0 = performance.now();
  const { slices } = await foldStatistics(db);
  return { slices, ms: Math.round(performance.now() - t0) };
}

/**
 * Recomputes every rollup (of one workspace, or all) from raw rows. `concurrency` spans run side by side
 * on a pool with that many spare connections (not the embedded database, which has one).
 */
export async function backfillStatistics(
  db: Kysely<Database>,
  options: { workspaceId?: string; concurrency?: number; onPhase?: (phase: string, ms: number) => void; onProgress?: (progress: BackfillProgress) => void } = {},
): Promise<{ rows: number; spans: number; ms: number }> {
  const t0 = performance.now();
  const result = await rebuildStatistics(db, options);
  return { ...result, ms: Math.round(performance.now() - t0) };
}

/** Slices waiting for the next rollup. */
export const pendingStatistics = (db: Executor) => countDirtyStatistics(db);
