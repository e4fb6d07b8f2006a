import { parseArgs } from 'node:util';
import { backfillStatistics, config, ConfigError, databaseOptions, lazyDatabase, pendingStatistics, rollupStatistics } from '@parley/core';

// npm run stats -- rollup              folds the changes since the last run (what the cron does)
// npm run stats -- backfill [--workspace <uuid>]
//                                       recomputes every rollup from raw rows (after an import, or to repair)
// Against DATABASE_URL's database, or the embedded one.

const { positionals, values } = parseArgs({ allowPositionals: true, options: { workspace: { type: 'string' } } });
const command = positionals[0];
const database = lazyDatabase(() => databaseOptions(config()));
try {
  const db = await database.db();
  if (command === 'rollup') {
    const before = await pendingStatistics(db);
    const result = await rollupStatistics(db);
    console.log(`Folded ${result.slices} slices (${before} markers) in ${result.ms} ms`);
  } else if (command === 'backfill') {
    // Two spans at a time on a server (the embedded database has one connection).
    const result = await backfillStatistics(db, { workspaceId: values.workspace, concurrency: config().databaseDriver === 'pglite' ? 1 : 2 });
    console.log(`Rebuilt ${result.rows} rollup rows (${result.spans} spans) in ${result.ms} ms`);
  } else {
    console.error('Usage: npm run stats -- rollup | backfill [--workspace <uuid>]');
    process.exitCode = 2;
  }
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exitCode = 1;
} finally {
  await database.close();
}
