import { rollupStatistics } from '@parley/core';
import type { Database } from '@parley/db';
import type { Kysely } from 'kysely';
import { lambdaDeps } from '../shared/lambda-deps.js';
import { emfSink, METRICS, type MetricsSink } from '../shared/metrics.js';
import { jsonLines, type LogWriter } from '../shared/request-log.js';

/**
 * One rollup run, logged with its metrics: duration, slices folded and lag, the seconds from when the
 * run was due (the schedule's time on Lambda, the timer's tick locally) to when it finished. With the
 * schedule's period, the lag bounds how stale the statistics can be.
 */
export async function runRollup(db: Kysely<Database>, options: { dueAt: Date; metrics: MetricsSink; log: LogWriter }) {
  const result = await rollupStatistics(db);
  const lagSeconds = Math.max(0, Math.round((Date.now() - options.dueAt.getTime()) / 100) / 10);
  const measured = options.metrics.record({
    dimensions: {},
    values: [
      [METRICS.rollupDuration, result.ms],
      [METRICS.rollupSlices, result.slices],
      [METRICS.rollupLag, lagSeconds],
    ],
  });
  options.log({ time: new Date().toISOString(), level: 'info', message: 'stats rollup', ...result, lagSeconds, ...measured });
  return result;
}

/** The scheduled rollup (infra/cron.ts), with the schedule's time; locally the server runs the same on a timer. */
export const handler = async (event: { time?: string } = {}) => {
  const dueAt = event.time && !Number.isNaN(Date.parse(event.time)) ? new Date(event.time) : new Date();
  return runRollup(await lambdaDeps.db(), { dueAt, metrics: emfSink(), log: jsonLines });
};
