import { rollupStatistics } from '@parley/core';
import { lambdaDeps } from '../shared/lambda-deps.js';

/** The scheduled rollup (infra/cron.ts); locally the server runs the same function on a timer. */
export const handler = async () => {
  const result = await rollupStatistics(await lambdaDeps.db());
  console.log(JSON.stringify({ level: 'info', message: 'stats rollup', ...result }));
  return result;
};
