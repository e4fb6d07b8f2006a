import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DbHandle } from '@parley/db';

// While `npm start` has the embedded database open, the command-line tools reach it through a unix
// socket the server listens on (the Postgres wire protocol, so they use the `pg` driver), named as
// Postgres names its own: `.s.PGSQL.5432` in a directory.

const SOCKET_NAME = '.s.PGSQL.5432';
// Socket paths are limited to about 104 bytes (macOS) or 108 (Linux).
const MAX_SOCKET_PATH = 100;

/** The socket's directory: the database's own folder, or one under the system's temp folder when that path is too long. */
function socketDir(home: string): string {
  const dir = resolve(home);
  if (join(dir, SOCKET_NAME).length <= MAX_SOCKET_PATH) return dir;
  const short = join(tmpdir(), `parley-${createHash('sha256').update(dir).digest('hex').slice(0, 12)}`);
  mkdirSync(short, { recursive: true, mode: 0o700 });
  return short;
}

/**
 * Serves the open embedded database on its socket. The caller holds the database's lock, so a socket
 * file already there is a dead server's. Only this user may connect (the socket trusts every client).
 */
export async function serveDatabaseSocket(handle: DbHandle, home: string): Promise<{ dir: string; close(): Promise<void> }> {
  if (!handle.serveSocket) throw new Error(`The ${handle.driver} driver has no socket to serve`);
  const dir = socketDir(home);
  const path = join(dir, SOCKET_NAME);
  rmSync(path, { force: true });
  const server = await handle.serveSocket(path);
  chmodSync(path, 0o600);
  return {
    dir,
    async close() {
      await server.close();
      rmSync(path, { force: true });
    },
  };
}

/** The `pg` connection string of the socket in `dir`. */
export function socketUrl(dir: string): string {
  return `postgres://postgres@localhost/postgres?host=${encodeURIComponent(dir)}`;
}
