import { createLazyProviders, databaseOptions, lazyDatabase, type Providers } from '@parley/core';
import type { AppDeps } from './env.js';
import { lambdaConfig } from './lambda-config.js';

export { lambdaConfig };

// In a Lambda container the database opens on the first request and is reused by later ones.
// Migrations are not run here: deploys migrate once, before traffic.

export const lambdaDatabase = lazyDatabase(() => databaseOptions(lambdaConfig()));

let providers: Providers | undefined;

export const lambdaDeps: AppDeps = {
  db: lambdaDatabase.db,
  // Loaded on the first change, so functions that serve only reads never bundle-load the SQS client.
  notifyEvents: async () => {
    if (!lambdaConfig().webhooks.queueUrl) return;
    const { lambdaWebhookQueueServices } = await import('./lambda-webhook-queue.js');
    await lambdaWebhookQueueServices().queue.send([{ kind: 'dispatch' }]);
  },
  providers: () => (providers ??= createLazyProviders(lambdaConfig().providers)),
};
