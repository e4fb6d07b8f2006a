import { type Executor, rollupDailyStats } from '@parley/db';

/** How far back each rollup recomputes: late messages and clock skew land within it. */
export const ROLLUP_LOOKBACK_HOURS = 48;

/** Recomputes the daily statistics of the recent window. Safe to run at any time, any number of times. */
export async function rollupRecentStats(db: Executor, now: Date = new Date()) {
  const from = new Date(now.getTime() - ROLLUP_LOOKBACK_HOURS * 3_600_000);
  const { rows } = await rollupDailyStats(db, from, now);
  return { from, to: now, rows };
}
