import { config, ConfigError, databaseOptions, lazyDatabase, migrateToLatest } from '@parley/core';

// npm run migrate: brings DATABASE_URL's database (or the embedded one) to the latest schema.
// Deployments run it once before traffic; the local server runs it at every start.

const database = lazyDatabase(() => databaseOptions(config()));
try {
  const applied = await migrateToLatest(await database.db());
  console.log(applied.length ? `Applied ${applied.join(', ')}` : 'Already up to date');
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exitCode = 1;
} finally {
  await database.close();
}
