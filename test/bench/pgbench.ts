import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * pgbench running `script` (a pgbench custom script) against `url` with `clients` connections for
 * `seconds`, in `mode` (`prepared`: parsed and planned once per connection; `simple`: every time).
 * Returns transactions per second, or undefined when pgbench is not installed (it ships with the
 * PostgreSQL server packages).
 */
export async function pgbench(url: string, script: string, options: { clients: number; seconds: number; mode: 'prepared' | 'simple' }): Promise<number | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-pgbench-'));
  try {
    const file = join(dir, 'script.sql');
    writeFileSync(file, script);
    const { stdout } = await run(
      'pgbench',
      ['-n', '-M', options.mode, '-c', String(options.clients), '-j', '2', '-T', String(options.seconds), '-f', file, url],
      { env: { ...process.env, PGOPTIONS: '-c jit=off' } },
    );
    const tps = /tps = ([\d.]+)/.exec(stdout);
    return tps ? Number(tps[1]) : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
