import { backgroundFunctions } from '../packages/functions/src/groups';
import { databaseUrl } from './secrets';

/** Statistics rollups: an idempotent job over the last window, every 15 minutes. */
export const statsRollup = new sst.aws.Cron('StatsRollup', {
  schedule: 'rate(15 minutes)',
  job: {
    handler: backgroundFunctions.statsRollup.handler,
    runtime: 'nodejs22.x',
    architecture: 'arm64',
    timeout: '5 minutes',
    link: [databaseUrl],
    environment: { DATABASE_DRIVER: 'neon' },
  },
});
