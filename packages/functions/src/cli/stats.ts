import { AppError, backfillStatistics, config, pendingStatistics, rollupStatistics } from '@parley/core';
import { findWorkspace } from '@parley/db';
import { openToolDatabase } from '../local/open-database.js';
import { Uuid } from '../shared/params.js';
import { DATABASE_NOTES, parseCommandLine, runTool, type Tool, UsageError } from './command-line.js';
import { progressPrinter } from './progress.js';

// npm run stats -- rollup              folds the changes since the last run (what the cron does)
// npm run stats -- backfill [--workspace <uuid>]
//                                       recomputes every rollup from raw rows (after an import, or to repair)

const tool: Tool = {
  run: 'npm run stats --',
  description: 'The statistics rollups that reports read.',
  commands: {
    rollup: { description: 'folds the changes since the last run into the rollups (what the schedule runs)' },
    backfill: {
      description: 'recomputes every rollup from raw rows (after a bulk import, or to repair them)',
      flags: { workspace: { type: 'string', value: '<uuid>', description: 'only this workspace' } },
    },
  },
  notes: DATABASE_NOTES,
};

async function main() {
  const { command, values } = parseCommandLine(tool);
  const workspaceId = values.workspace as string | undefined;
  if (workspaceId !== undefined && !Uuid.safeParse(workspaceId).success) throw new UsageError('--workspace must be a workspace id (a UUID)');
  const database = await openToolDatabase(config(), `npm run stats -- ${command}`);
  try {
    const db = database.handle.db;
    if (command === 'rollup') {
      const before = await pendingStatistics(db);
      const result = await rollupStatistics(db);
      console.log(`Folded ${result.slices} slices (${before} markers) in ${result.ms} ms`);
    } else {
      if (workspaceId && !(await findWorkspace(db, workspaceId))) throw new AppError('not_found', `No workspace ${workspaceId} in this database`);
      const progress = progressPrinter();
      progress.update('planning');
      // Two spans at a time on a server (the embedded database has one session).
      const result = await backfillStatistics(db, {
        workspaceId,
        concurrency: database.embedded ? 1 : 2,
        onProgress: (p) => progress.update(p.spansDone < p.spans ? `span ${p.spansDone + 1} of ${p.spans}` : `${p.spans} spans`, { done: p.rows, unit: 'rollup rows' }),
      });
      progress.end();
      console.log(`Rebuilt ${result.rows} rollup rows (${result.spans} spans) in ${result.ms} ms`);
    }
  } finally {
    await database.close();
  }
}

runTool(main);
