import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ExportStore } from './ports.js';

/** The local server's route for export files (packages/functions/src/local/app.ts). */
export const LOCAL_EXPORTS_PATH = '/local-exports';

const KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;
const FILENAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$/;
/** How a file being written is named until it is renamed into place. */
const PARTIAL_SUFFIX = '.partial';

export interface LocalExportStore extends ExportStore {
  /** The file of `key` when the link's signature is right and not expired; undefined otherwise. */
  verify(link: { key: string; expires: string; filename: string; signature: string }, now?: Date): string | undefined;
}

/**
 * Export files in a folder (under DATA_DIR), downloaded through the local server with links signed by
 * HMAC-SHA256 over the key, the expiry and the file name, so a link can be neither altered nor extended.
 */
export function createLocalExportStore(options: { dir: string; secret?: string }): LocalExportStore {
  const dir = resolve(options.dir);
  removePartialFiles(dir);
  // Without a configured secret, links die with the process; the status endpoint signs fresh ones.
  const secret = options.secret ?? randomBytes(32).toString('hex');
  const sign = (key: string, expires: string, filename: string) => createHmac('sha256', secret).update(`${key}\n${expires}\n${filename}`).digest('base64url');
  const pathOf = (key: string) => {
    if (!KEY_PATTERN.test(key) || key.includes('..')) throw new Error(`invalid export key ${key}`);
    const path = resolve(dir, key);
    if (!path.startsWith(dir + sep)) throw new Error(`invalid export key ${key}`);
    return path;
  };
  return {
    async upload(key, body: Readable) {
      const path = pathOf(key);
      mkdirSync(dirname(path), { recursive: true });
      // Written beside and renamed into place: a reader never sees half a file, a failed run leaves none
      // (and one killed midway leaves one the next start removes).
      const partial = `${path}.${randomBytes(6).toString('hex')}${PARTIAL_SUFFIX}`;
      try {
        await pipeline(body, createWriteStream(partial));
        renameSync(partial, path);
      } catch (err) {
        rmSync(partial, { force: true });
        throw err;
      }
    },
    async downloadUrl(key, { filename, expiresInSeconds }) {
      pathOf(key);
      if (!FILENAME_PATTERN.test(filename)) throw new Error(`invalid file name ${filename}`);
      const expires = String(Math.floor(Date.now() / 1000) + expiresInSeconds);
      const query = new URLSearchParams({ expires, filename, signature: sign(key, expires, filename) });
      return `${LOCAL_EXPORTS_PATH}/${key}?${query}`;
    },
    verify({ key, expires, filename, signature }, now = new Date()) {
      if (!/^\d{1,12}$/.test(expires) || Number(expires) * 1000 < now.getTime()) return undefined;
      if (!FILENAME_PATTERN.test(filename)) return undefined;
      let path: string;
      try {
        path = pathOf(key);
      } catch {
        return undefined;
      }
      const expected = Buffer.from(sign(key, expires, filename));
      const given = Buffer.from(signature);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      return existsSync(path) ? path : undefined;
    },
  };
}

/**
 * Files a run was writing when its process died (killed, or stopped mid-export). The folder is one local
 * server's (under its DATA_DIR), so at start none of them is still being written; their jobs run again.
 */
function removePartialFiles(dir: string) {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (entry.endsWith(PARTIAL_SUFFIX)) rmSync(join(dir, entry), { force: true });
  }
}
