import { existsSync, readFileSync, renameSync } from 'node:fs';
import { AppError, authenticate, type DatabaseFiles } from '@parley/core';
import type { Database } from '@parley/db';
import type { Kysely } from 'kysely';

/**
 * Moves the demo key file of the old layout (DATA_DIR/demo-api-key, shared by every database) into
 * this database's folder, if the key is this database's: a key another database wrote stays put.
 */
export async function adoptLegacyDemoKey(db: Kysely<Database>, files: DatabaseFiles): Promise<void> {
  if (existsSync(files.demoKey) || !existsSync(files.legacyDemoKey)) return;
  try {
    await authenticate(db, readFileSync(files.legacyDemoKey, 'utf8').trim());
  } catch (err) {
    if (err instanceof AppError && err.code === 'unauthorized') return;
    throw err;
  }
  renameSync(files.legacyDemoKey, files.demoKey);
}
