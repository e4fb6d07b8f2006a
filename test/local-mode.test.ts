import { type ChildProcess, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createDb, type DbHandle } from '@parley/db';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { progressPrinter } from '../packages/functions/src/cli/progress.js';
import { KEYS, MIGRATE, run, SERVER, type Server, startServer, STATS, stopServer, userEnv } from './harness/local-process.js';
import { servePglite } from './harness/pglite-server.js';

// Local mode: one process opens the embedded database. While `npm start` runs, the tools go through its
// socket; the data and keys they write are there after a restart; a second server on the same data
// stops with a message; each database keeps its own files.

const running: ChildProcess[] = [];
const dirs: string[] = [];
function tempDir(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('the embedded database served on its socket', () => {
  let handle: DbHandle;
  let dir: string;
  let socket: { close(): Promise<void> };
  const client = () => new pg.Client({ host: dir, user: 'postgres', database: 'postgres' });
  const values = async () => (await sql<{ v: string }>`select v from turns order by v`.execute(handle.db)).rows.map((r) => r.v);

  beforeAll(async () => {
    handle = await createDb({ driver: 'pglite' });
    await sql`create table turns (v text)`.execute(handle.db);
    dir = tempDir('parley-socket-');
    socket = await handle.serveSocket!(join(dir, '.s.PGSQL.5432'));
  });
  afterAll(async () => {
    await socket?.close();
    await handle?.close();
  });

  it("keeps the process's queries out of a client's transaction", async () => {
    await sql`delete from turns`.execute(handle.db);
    const c = client();
    await c.connect();
    await c.query('begin');
    await c.query("insert into turns values ('client')");
    // Waits for the client's transaction to end, rather than running inside it (and rolling back with it).
    const processInsert = sql`insert into turns values ('process')`.execute(handle.db);
    await c.query('rollback');
    await processInsert;
    await c.end();
    expect(await values()).toEqual(['process']);
  });

  it("keeps a client's statements out of the process's transaction", async () => {
    await sql`delete from turns`.execute(handle.db);
    const c = client();
    await c.connect();
    let clientInsert: Promise<unknown> | undefined;
    await handle.db
      .transaction()
      .execute(async (trx) => {
        await sql`insert into turns values ('process')`.execute(trx);
        clientInsert = c.query("insert into turns values ('client')");
        await new Promise((r) => setTimeout(r, 300));
        throw new Error('roll back');
      })
      .catch(() => {});
    await clientInsert;
    await c.end();
    expect(await values()).toEqual(['client']);
  });

  it('gets the session back from a client that leaves inside its transaction', async () => {
    await sql`delete from turns`.execute(handle.db);
    const c = client();
    await c.connect();
    await c.query('begin');
    await c.query("insert into turns values ('gone')");
    const processInsert = sql`insert into turns values ('process')`.execute(handle.db);
    c.on('error', () => {}); // the connection this test cuts
    (c as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    await processInsert;
    expect(await values()).toEqual(['process']);
    // And the session is outside any transaction: this commits.
    await handle.db.transaction().execute((trx) => sql`insert into turns values ('after')`.execute(trx));
    expect(await values()).toEqual(['after', 'process']);
  });
  it('gets the session back from a client that leaves in the middle of a statement', async () => {
    // By hand, a Parse without its Sync: the extended-protocol cycle the client never ends.
    const conn = connect(join(dir, '.s.PGSQL.5432'));
    conn.on('error', () => {});
    let received = '';
    conn.on('data', (d) => (received += d.toString('latin1')));
    const params = Buffer.from('user\0postgres\0database\0postgres\0\0');
    const startup = Buffer.alloc(8);
    startup.writeInt32BE(8 + params.length, 0);
    startup.writeInt32BE(196608, 4);
    conn.write(Buffer.concat([startup, params]));
    while (!received.includes('Z')) await new Promise((r) => setTimeout(r, 10));
    const body = Buffer.from('\0select 1\0\0\0');
    const parse = Buffer.alloc(5);
    parse.write('P', 0);
    parse.writeInt32BE(4 + body.length, 1);
    conn.write(Buffer.concat([parse, body]));
    await new Promise((r) => setTimeout(r, 100));
    conn.destroy();
    await sql`delete from turns`.execute(handle.db);
    await handle.db.transaction().execute((trx) => sql`insert into turns values ('after')`.execute(trx));
    expect(await values()).toEqual(['after']);
  });
});

describe('the progress printer', () => {
  const capture = (tty: boolean) => {
    const out = Object.assign(new PassThrough(), { isTTY: tty }) as unknown as NodeJS.WriteStream & PassThrough;
    let text = '';
    out.on('data', (d) => (text += d));
    return { out, text: () => text };
  };

  it('rewrites one line on a terminal and writes plain lines elsewhere, with phase, rows and total', () => {
    for (const tty of [true, false]) {
      const { out, text } = capture(tty);
      const progress = progressPrinter(out);
      progress.update('loading', { done: 0, total: 200, unit: 'chats' });
      progress.update('loading', { done: 200, total: 200, unit: 'chats' });
      progress.log('a line that stays');
      progress.update('indexes');
      progress.end();
      if (tty) {
        expect(text()).toContain('\r\x1b[2K');
        expect(text().split('\n')).toHaveLength(3); // the kept line, the last progress line, and after it
      } else {
        expect(text()).not.toContain('\r');
        expect(text().split('\n').filter(Boolean)).toHaveLength(4);
      }
      expect(text()).toMatch(/loading {2}200 \/ 200 chats {2}100%/);
      expect(text()).toContain('a line that stays\n');
      expect(text()).toMatch(/indexes {2}\d+\.\d s/);
    }
  });
});

describe('npm start and the tools on one embedded database', () => {
  const dataDir = tempDir('parley-local-');
  const env = userEnv(dataDir);
  const home = join(dataDir, 'pglite');
  let first: Server;

  it('runs every tool while the server runs, and keeps their data and keys across a restart', { timeout: 600_000 }, async () => {
    first = await startServer(env, running);
    const workspaceId = first.workspaceId!;
    const headers = { authorization: `Bearer ${first.key}` };
    const statsUrl = /curl .*"(\S+\/statistics\/reports\/overview\S+)"/.exec(first.output)![1]!;
    expect(existsSync(join(home, 'parley.lock'))).toBe(true);

    // The backfill goes through the server while it answers requests.
    const backfill = run(STATS, ['backfill'], env);
    for (let i = 0; i < 10; i++) expect((await fetch(`${first.base}/api/v1/chats/details?pageSize=20`, { headers })).status).toBe(200);
    const rebuilt = await backfill;
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(rebuilt.stdout).toMatch(/^span 1 of \d+ {2}0 rollup rows/m);
    expect(rebuilt.stdout).toMatch(/Rebuilt [1-9]\d* rollup rows/);

    const keys = await run(KEYS, ['create', '--workspace', workspaceId, '--scopes', 'statistics:read', '--name', 'made while running'], env);
    expect(keys.code, keys.stderr).toBe(0);
    const statsKey = keys.stdout.trim();
    expect(statsKey).toMatch(/^prl_[A-Za-z0-9]{12}_[A-Za-z0-9_-]+$/);
    expect((await fetch(statsUrl, { headers: { authorization: `Bearer ${statsKey}` } })).status).toBe(200);

    // The rest of the key lifecycle, through the server: list, rotate (the old secret keeps working), revoke.
    const statsPrefix = statsKey.split('_').slice(0, 2).join('_');
    const rotated = await run(KEYS, ['rotate', '--workspace', workspaceId, '--key', statsPrefix, '--grace', '1h'], env);
    expect(rotated.code, rotated.stderr).toBe(0);
    const newStatsKey = rotated.stdout.trim();
    expect(newStatsKey.startsWith(`${statsPrefix}_`) && newStatsKey !== statsKey).toBe(true);
    expect(rotated.stderr).toMatch(new RegExp(`^The old secret of ${statsPrefix} works until \\S+Z\\.$`, 'm'));
    for (const key of [statsKey, newStatsKey]) expect((await fetch(statsUrl, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    const doomed = (await run(KEYS, ['create', '--workspace', workspaceId, '--scopes', 'chats:read', '--name', 'to revoke', '--expires', '30d'], env)).stdout.trim();
    expect((await fetch(`${first.base}/api/v1/chats`, { headers: { authorization: `Bearer ${doomed}` } })).status).toBe(200);
    const revoked = await run(KEYS, ['revoke', '--workspace', workspaceId, '--key', doomed.split('_').slice(0, 2).join('_')], env);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toMatch(/^Revoked prl_\w{12} \(to revoke\) at /);
    expect((await fetch(`${first.base}/api/v1/chats`, { headers: { authorization: `Bearer ${doomed}` } })).status).toBe(401);
    const listed = await run(KEYS, ['list', '--workspace', workspaceId], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^PREFIX +NAME +SCOPES +MEMBER +STATE +CREATED +LAST USED +EXPIRES$/m);
    expect(listed.stdout).toMatch(new RegExp(`^${statsPrefix} +made while running +statistics:read +\\d+ .+ active \\(old secret until \\S+Z\\) +\\S+Z +\\S+Z +-$`, 'm'));
    expect(listed.stdout).toMatch(/ to revoke +chats:read .* revoked /);
    expect(listed.stdout).not.toContain(newStatsKey.split('_').slice(2).join('_'));
    // The API lists the same keys to the demo key (it holds every scope, keys:admin included).
    const apiList = (await (await fetch(`${first.base}/api/v2/w/${workspaceId}/keys?limit=100`, { headers })).json()) as { keys: Array<{ prefix: string; state: string }> };
    expect(apiList.keys.find((k) => k.prefix === statsPrefix)?.state).toBe('active');
    const noKey = await run(KEYS, ['revoke', '--workspace', workspaceId, '--key', 'prl_000000000000'], env);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr.trim()).toBe(`Workspace ${workspaceId} has no key prl_000000000000`);

    const created = await fetch(`${first.base}/api/v1/chats`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ channelId: null, ownerId: ((await (await fetch(`${first.base}/api/v1/chats/details?pageSize=1`, { headers })).json()) as Array<{ ownerId: string }>)[0]!.ownerId, title: 'written beside the tools' }),
    });
    expect(created.status).toBe(200);
    const { id: chatId } = (await created.json()) as { id: string };

    const rollup = await run(STATS, ['rollup'], env);
    expect(rollup.code, rollup.stderr).toBe(0);
    expect(rollup.stdout).toMatch(/^Folded \d+ slices/);
    const migrate = await run(MIGRATE, [], env);
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(migrate.stdout.trim()).toBe('Already up to date');

    // Mistakes are one line, also through the server.
    const unknownWorkspace = randomUUID();
    const noWorkspace = await run(KEYS, ['create', '--workspace', unknownWorkspace, '--scopes', 'chats:read'], env);
    expect(noWorkspace.code).toBe(1);
    expect(noWorkspace.stderr.trim()).toBe(`No workspace ${unknownWorkspace} in this database`);
    const noMember = await run(KEYS, ['create', '--workspace', workspaceId, '--member', '987654', '--scopes', 'chats:read'], env);
    expect(noMember.code).toBe(1);
    expect(noMember.stderr.trim()).toBe(`Workspace ${workspaceId} has no member 987654`);

    // A second server on the same data stops at once, and the first one is unharmed.
    const second = await run(SERVER, [], env);
    expect(second.code).toBe(1);
    expect(second.stderr.trim()).toMatch(new RegExp(`^Parley is already running on the embedded database in ${home} \\(pid ${first.child.pid}, port \\d+\\); stop it first`));
    expect(second.stderr.trim().split('\n')).toHaveLength(1);
    expect((await fetch(`${first.base}/api/v1/chats/${chatId}`, { headers })).status).toBe(200);

    await stopServer(first.child);
    expect(existsSync(join(home, 'parley.lock'))).toBe(false);
    expect(existsSync(join(home, '.s.PGSQL.5432'))).toBe(false);

    // With no server, a tool opens the database itself; a lock left by a holder that died does not stop it.
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    writeFileSync(join(home, 'parley.lock'), JSON.stringify({ pid: dead, command: 'npm start', since: new Date().toISOString(), socket: join(dataDir, 'gone') }));
    const direct = await run(STATS, ['rollup'], env);
    expect(direct.code, direct.stderr).toBe(0);
    expect(existsSync(join(home, 'parley.lock'))).toBe(false);

    const again = await startServer(env, running);
    expect(again.output).not.toContain('Seeded');
    expect(again.output).not.toMatch(/Aborted|RuntimeError/);
    expect(again.key).toBe(first.key);
    expect((await fetch(statsUrl.replace(first.base, again.base), { headers: { 'x-api-key': statsKey } })).status).toBe(200);
    expect((await fetch(`${again.base}/api/v1/chats/${chatId}`, { headers: { 'x-api-key': statsKey } })).status).toBe(403);
    expect((await fetch(statsUrl.replace(first.base, again.base), { headers: { 'x-api-key': newStatsKey } })).status).toBe(200);
    expect((await fetch(`${again.base}/api/v1/chats`, { headers: { authorization: `Bearer ${doomed}` } })).status).toBe(401);
    const chat = await fetch(`${again.base}/api/v1/chats/${chatId}`, { headers });
    expect(((await chat.json()) as { title: string }).title).toBe('written beside the tools');
    await stopServer(again.child);
  });

  it('keeps the embedded demo key when started once on DATABASE_URL, and reads the old layout', { timeout: 480_000 }, async () => {
    const server = await servePglite();
    try {
      const elsewhere = await startServer(userEnv(dataDir, { DATABASE_URL: server.url }), running);
      expect(elsewhere.output).toContain('Seeded the demo workspace');
      expect(elsewhere.key).not.toBe(first.key);
      await stopServer(elsewhere.child);
      const folders = readdirSync(dataDir).filter((f) => f.startsWith('pg-'));
      expect(folders).toHaveLength(1);
      expect(readFileSync(join(dataDir, folders[0]!, 'demo-api-key'), 'utf8').trim()).toBe(elsewhere.key);
    } finally {
      await server.stop();
    }
    expect(readFileSync(join(home, 'demo-api-key'), 'utf8').trim()).toBe(first.key);

    // The old layout kept the key at DATA_DIR/demo-api-key: it moves into the database's folder.
    renameSync(join(home, 'demo-api-key'), join(dataDir, 'demo-api-key'));
    const embedded = await startServer(env, running);
    expect(embedded.key).toBe(first.key);
    expect((await fetch(`${embedded.base}/api/v1/chats/details?pageSize=1`, { headers: { authorization: `Bearer ${embedded.key}` } })).status).toBe(200);
    await stopServer(embedded.child);
    expect(existsSync(join(dataDir, 'demo-api-key'))).toBe(false);
    expect(readFileSync(join(home, 'demo-api-key'), 'utf8').trim()).toBe(first.key);
  });
});

describe('the command-line tools', () => {
  const env = userEnv(tempDir('parley-cli-'));

  it('print their usage with --help and say what they accept', { timeout: 300_000 }, async () => {
    const helps: Array<[string, string[]]> = [
      [KEYS, ['--help']],
      [STATS, ['--help']],
      [MIGRATE, ['--help']],
      [SERVER, ['--help']],
    ];
    const mistakes: Array<[string, string[], string]> = [
      [KEYS, ['renew'], 'Unknown command "renew"; commands: create, list, revoke, rotate (see npm run keys -- --help)'],
      [KEYS, ['create', '--workspace', randomUUID(), '--scope', 'chats:read'], 'Unknown flag --scope for "create"; accepted: --workspace, --scopes, --member, --name, --expires'],
      [KEYS, ['create', '--workspace', randomUUID(), '--scopes', 'chats:read', '--expires', 'soon'], '--expires must be an instant with an offset (2027-01-01T00:00:00Z) or a duration (90d, 12h, 30m), not "soon"'],
      [KEYS, ['rotate', '--workspace', randomUUID(), '--key', 'prl_abc'], '--key must be a key\'s prefix prl_<12 letters or digits> (as `list` shows), not "prl_abc"'],
      [KEYS, ['rotate', '--workspace', randomUUID(), '--key', 'prl_000000000000', '--grace', '8d'], '--grace must be a duration from 0 to 7d (0, 30m, 24h, 7d), not "8d"'],
      [KEYS, ['revoke', '--workspace', randomUUID()], '"revoke" needs --key <prl_id> (see npm run keys -- --help)'],
      [KEYS, ['create', '--scopes', 'chats:read'], '"create" needs --workspace <uuid> (see npm run keys -- --help)'],
      [KEYS, ['create', '--workspace', 'abc', '--scopes', 'chats:read'], '--workspace must be a workspace id (a UUID)'],
      [STATS, ['backfill', '--workspace', 'abc'], '--workspace must be a workspace id (a UUID)'],
      [STATS, ['backfill', '--workspace'], '--workspace needs a value: --workspace <uuid>'],
      [SERVER, ['--port', '3001'], 'Unknown flag --port for npm start; it takes none'],
    ];
    // Three at a time: each is a process start.
    const all: Array<{ file: string; args: string[]; message?: string }> = [
      ...helps.map(([file, args]) => ({ file, args })),
      ...mistakes.map(([file, args, message]) => ({ file, args, message })),
    ];
    for (let i = 0; i < all.length; i += 3) {
      const batch = all.slice(i, i + 3);
      const results = await Promise.all(batch.map((c) => run(c.file, c.args, env)));
      batch.forEach((c, j) => {
        const result = results[j]!;
        const what = `${c.file} ${c.args.join(' ')}`;
        if (c.message === undefined) {
          expect(result.code, `${what}: ${result.stderr}`).toBe(0);
          expect(result.stdout, what).toMatch(/^Usage: npm (start|run \w+)/);
          expect(result.stderr, what).toBe('');
        } else {
          expect(result.stderr, what).toBe(`${c.message}\n`);
          expect(result.code, what).toBe(2);
        }
      });
    }
    // Usage mistakes stop before the database is opened.
    expect(existsSync(join(env.DATA_DIR!, 'pglite', 'PG_VERSION'))).toBe(false);
  });

  it('names a busy port and how to choose another, before opening the database', { timeout: 60_000 }, async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as { port: number }).port;
    try {
      const result = await run(SERVER, [], { ...env, PORT: String(port) });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`Port ${port} is already in use; choose another with PORT=${port + 1} npm start\n`);
      expect(existsSync(join(env.DATA_DIR!, 'pglite', 'PG_VERSION'))).toBe(false);
      expect(existsSync(join(env.DATA_DIR!, 'pglite', 'parley.lock'))).toBe(false);
    } finally {
      taken.close();
    }
  });
});
