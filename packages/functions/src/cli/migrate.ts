import { config, migrateToLatest } from '@parley/core';
import { openToolDatabase } from '../local/open-database.js';
import { DATABASE_NOTES, parseCommandLine, runTool, type Tool } from './command-line.js';

// npm run migrate: brings DATABASE_URL's database (or the embedded one) to the latest schema.
// Deployments run it once before traffic; the local server runs it at every start.

const tool: Tool = {
  run: 'npm run migrate',
  description: 'Brings the database to the latest schema (the local server also does at every start).',
  flags: {},
  notes: DATABASE_NOTES,
};

async function main() {
  parseCommandLine(tool);
  const database = await openToolDatabase(config(), 'npm run migrate');
  try {
    const applied = await migrateToLatest(database.handle.db);
    console.log(applied.length ? `Applied ${applied.join(', ')}` : 'Already up to date');
  } finally {
    await database.close();
  }
}

runTool(main);
