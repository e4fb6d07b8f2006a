import { config, databaseOptions, lazyDatabase } from '@parley/core';
import type { AppDeps } from './env.js';

// In a Lambda container the database opens on the first request and is reused by later ones.
// Migrations are not run here: deploys migrate once, before traffic.
const database = lazyDatabase(() => databaseOptions(config()));

export const lambdaDeps: AppDeps = { db: database.db };
