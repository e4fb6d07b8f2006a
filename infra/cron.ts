import { backgroundFunctions } from '../packages/functions/src/groups';
import { databaseUrl } from './secrets';

// Statistics rollups: an idempotent job over the recent window. CronV2 (EventBridge Scheduler) because
// SST 4 deprecates `sst.aws.Cron`, and `function` because both deprecate `job`.
export const statsRollup = new sst.aws.CronV2('StatsRollup', {
  schedule: 'rate(15 minutes)',
  function: {
    handler: backgroundFunctions.statsRollup.handler,
    runtime: 'nodejs22.x',
    // What a request path loads on demand (AWS SDK, nodemailer, ajv, markdown) in chunks of its own, as scripts/build.ts does.
    nodejs: { splitting: true },
    architecture: 'arm64',
    timeout: '5 minutes',
    link: [databaseUrl],
    environment: { DATABASE_DRIVER: 'neon' },
  },
});
