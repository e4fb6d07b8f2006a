import { mkdirSync } from 'node:fs';
import { type Config, databaseFiles, type DatabaseFiles, databaseOptions } from '@parley/core';
import { createDb, type DbHandle } from '@parley/db';
import { acquireDatabaseLock, type DatabaseLock, type LockHolder } from './database-lock.js';
import { socketUrl } from './socket.js';

// Who opens the embedded database: `npm start` holds it while it runs, and the command-line tools go
// through its socket then; with no server running, a tool opens it itself under the same lock. A
// process that finds it held (and no socket to go through) stops with one line and touches nothing.

export const SERVER_COMMAND = 'npm start';
// How long a tool waits for a starting server to open its socket (migrations and the demo come first).
const SERVER_START_WAIT_MS = 120_000;

/** The embedded database is open in another process. */
export class DatabaseBusyError extends Error {
  override name = 'DatabaseBusyError';
}

function busy(files: DatabaseFiles, holder: LockHolder): DatabaseBusyError {
  if (holder.command === SERVER_COMMAND) {
    const port = holder.port ? `, port ${holder.port}` : '';
    return new DatabaseBusyError(
      `Parley is already running on the embedded database in ${files.home} (pid ${holder.pid}${port}); stop it first, or give this one its own data with DATA_DIR=<another folder>`,
    );
  }
  return new DatabaseBusyError(`The embedded database in ${files.home} is in use by \`${holder.command}\` (pid ${holder.pid}); try again when it has finished`);
}

/** For `npm start`: the lock of the embedded database, or a DatabaseBusyError naming whoever has it. */
export function claimEmbeddedDatabase(files: DatabaseFiles): DatabaseLock {
  mkdirSync(files.home, { recursive: true });
  const attempt = acquireDatabaseLock(files.lock, SERVER_COMMAND);
  if (!attempt.acquired) throw busy(files, attempt.holder);
  return attempt.lock;
}

export interface ToolDatabase {
  handle: DbHandle;
  /** The embedded database (directly or through the server): one connection, spans one at a time. */
  embedded: boolean;
  /** The server it goes through, when `npm start` has the embedded database open. */
  server?: LockHolder;
  close(): Promise<void>;
}

/** For a command-line tool (`command` as the user typed it): the configured database, opened as described above. */
export async function openToolDatabase(cfg: Config, command: string): Promise<ToolDatabase> {
  if (cfg.databaseDriver !== 'pglite') {
    const handle = await createDb(databaseOptions(cfg));
    return { handle, embedded: false, close: () => handle.close() };
  }
  const files = databaseFiles(cfg);
  mkdirSync(files.home, { recursive: true });
  const deadline = Date.now() + SERVER_START_WAIT_MS;
  for (;;) {
    const attempt = acquireDatabaseLock(files.lock, command);
    if (attempt.acquired) {
      try {
        const handle = await createDb(databaseOptions(cfg));
        return {
          handle,
          embedded: true,
          async close() {
            await handle.close();
            attempt.lock.release();
          },
        };
      } catch (err) {
        attempt.lock.release();
        throw err;
      }
    }
    const server = attempt.holder;
    if (server.socket) {
      const handle = await createDb({ driver: 'pg', url: socketUrl(server.socket), maxConnections: 1 });
      return { handle, embedded: true, server, close: () => handle.close() };
    }
    if (server.command !== SERVER_COMMAND) throw busy(files, server);
    // A server still starting: its socket opens in a moment.
    if (Date.now() > deadline) throw new DatabaseBusyError(`The local server (pid ${server.pid}) has not opened its socket in ${files.home}; try again once it has started`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
