import { countDirtyStatistics, type Executor, foldStatistics, rebuildStatistics } from '@parley/db';

// The statistics rollup: the cron (infra/cron.ts), the local server's timer and `npm run stats` call
// these. Both are idempotent and serialised by one lock, so overlapping runs are harmless.

/** Folds every change since the last run into the rollups. */
export async function rollupStatistics(db: Executor): Promise<{ slices: number; ms: number }> {
  const t0 = performance.now();
  const { slices } = await foldStatistics(db);
  return { slices, ms: Math.round(performance.now() - t0) };
}

/** Recomputes every rollup (of one workspace, or all) from raw rows. */
export async function backfillStatistics(db: Executor, options: { workspaceId?: string } = {}): Promise<{ rows: number; ms: number }> {
  const t0 = performance.now();
  const { rows } = await rebuildStatistics(db, options);
  return { rows, ms: Math.round(performance.now() - t0) };
}

/** Slices waiting for the next rollup. */
export const pendingStatistics = (db: Executor) => countDirtyStatistics(db);
