import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalExportStore, encodeExportMessage, type ExportKind } from '@parley/core';
import { createDb, createOrShareExportJob, type DbHandle, findExportJobById, insertChat, isDatabaseUnavailable, migrateToLatest } from '@parley/db';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLocalApp } from '../packages/functions/src/local/app.js';
import { sqsRecord } from '../packages/functions/src/local/export-queue.js';
import { createExportWorker } from '../packages/functions/src/workers/export-worker.js';
import { testDriver } from './harness/db.js';
import { servePglite } from './harness/pglite-server.js';
import { startTcpProxy, type TcpProxy, viaProxy } from './harness/tcp-proxy.js';
import { createTestWorkspace, type TestWorkspace } from './harness/workspace.js';

// The database vanishing under running requests, as a crashed server or a broken network makes it:
// the app's connections go through a TCP proxy the test cuts. The app's driver is the suite's (`pg`, or
// Neon through its WebSocket proxy); on the default run the database is an embedded PGlite served over
// the Postgres protocol. The process must live through it, answer 503 meanwhile, and serve once it is back.

let served: Awaited<ReturnType<typeof servePglite>> | undefined;
/** A connection straight to the database, around the proxy: fixtures and the lock holder. */
let direct: DbHandle;
let proxy: TcpProxy;
/** The app's database, through the proxy. */
let appDb: DbHandle;
let ws: TestWorkspace;
let chatId: string;
const exportDir = mkdtempSync(join(tmpdir(), 'parley-db-faults-'));
const uncaught: unknown[] = [];
const recordUncaught = (err: unknown) => void uncaught.push(err);

beforeAll(async () => {
  let url = process.env.DATABASE_URL;
  if (!url) {
    served = await servePglite();
    url = served.url;
  }
  direct = await createDb({ driver: 'pg', url, maxConnections: 2 });
  if (served) await migrateToLatest(direct.db);
  const target = new URL(url);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  appDb = await createDb({ driver: testDriver() === 'neon' ? 'neon' : 'pg', url: viaProxy(url, proxy), neonWsProxy: inject('neonWsProxy'), maxConnections: 4 });
  ws = await createTestWorkspace(direct.db);
  chatId = (
    await insertChat(direct.db, {
      workspaceId: ws.workspace.id,
      channelId: null,
      ownerId: ws.contact.identityId,
      responderId: ws.agent.identityId,
      currentResponderId: null,
      responderVersionId: null,
      title: 'before the outage',
    })
  ).id;
  process.on('uncaughtException', recordUncaught);
});

afterAll(async () => {
  process.off('uncaughtException', recordUncaught);
  await appDb?.close().catch(() => {});
  await proxy?.close();
  await direct?.close();
  await served?.stop();
  rmSync(exportDir, { recursive: true, force: true });
});

const app = () => createLocalApp({ db: async () => appDb.db });
const headers = () => ({ authorization: `Bearer ${ws.keys.all}`, 'content-type': 'application/json' });
const rename = (title: string) => app().request(`/api/v1/chats/${chatId}`, { method: 'PATCH', headers: headers(), body: JSON.stringify({ title }) });

/**
 * Holds the chat's row lock on a connection of its own, so the app's update of that chat waits (on
 * PGlite, which has one session, every query of another connection waits while the transaction is open).
 */
async function holdChatLock(): Promise<{ waiters(): Promise<number>; terminateWaiters(): Promise<void>; release(): Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let pid!: number;
  const held = new Promise<void>((resolve, reject) => {
    direct.db
      .transaction()
      .execute(async (trx) => {
        pid = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)).rows[0]!.pid;
        await sql`select id from chats where id = ${chatId} for update`.execute(trx);
        resolve();
        await released;
      })
      .catch(reject);
  });
  const done = held.then(() => undefined);
  await held;
  return {
    async waiters() {
      if (served) return served.queuedQueries();
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where ${pid}::int = any(pg_blocking_pids(pid))`.execute(direct.db);
      return rows[0]!.n;
    },
    /** Postgres only: ends the waiting backends as `pg_terminate_backend` does (57P01 admin_shutdown). */
    async terminateWaiters() {
      await sql`select pg_terminate_backend(pid) from pg_stat_activity where ${pid}::int = any(pg_blocking_pids(pid))`.execute(direct.db);
    },
    async release() {
      release();
      await done;
    },
  };
}

async function until(condition: () => Promise<boolean>, what: string) {
  const deadline = Date.now() + 20_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function expectUnavailable(res: Response, body: any) {
  expect(res.status).toBe(503);
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(body).toEqual({ error: { code: 'unavailable', message: expect.any(String), requestId: res.headers.get('x-request-id') } });
  // The client learns that the database is away, not where it lives or what the driver said.
  expect(body.error.message).not.toMatch(/127\.0\.0\.1|localhost|terminated|ECONN|:\d{2,5}/);
}

describe(`a database connection dropped under a running query (${testDriver()} driver)`, () => {
  it('answers 503 with Retry-After, keeps the process alive, and serves again once the database is back', async () => {
    // A warm pool: the request below takes an open connection, as under steady traffic.
    expect((await rename('warm')).status).toBe(200);
    const lock = await holdChatLock();
    try {
      const pending = rename('during the outage');
      await until(async () => (await lock.waiters()) > 0, 'the update to wait on the lock');
      await proxy.cut();
      const res = await pending;
      // The dropped connection's error event was handled: nothing reached the process's top level.
      expect(uncaught.map(String)).toEqual([]);
      expectUnavailable(res, await res.json());

      // While the database is unreachable, new connections are refused: 503 as well.
      const refused = await app().request(`/api/v1/chats/${chatId}`, { headers: headers() });
      expectUnavailable(refused, await refused.json());
    } finally {
      await lock.release();
      await proxy.restore();
    }
    const after = await rename('after the outage');
    expect(after.status).toBe(200);
    expect(((await after.json()) as { title: string }).title).toBe('after the outage');
    expect(uncaught).toEqual([]);
  });

  it.runIf(process.env.DATABASE_URL)('answers 503 when the server ends the connection itself (57P01, as in a shutdown)', async () => {
    expect((await rename('warm')).status).toBe(200);
    const lock = await holdChatLock();
    try {
      const pending = rename('during the shutdown');
      await until(async () => (await lock.waiters()) > 0, 'the update to wait on the lock');
      await lock.terminateWaiters();
      const res = await pending;
      expect(uncaught.map(String)).toEqual([]);
      expectUnavailable(res, await res.json());
    } finally {
      await lock.release();
    }
    // The pool may hand out the terminated connection once more before its end arrives: another 503, never a 500.
    let after = await rename('after the shutdown');
    for (let attempt = 0; after.status === 503 && attempt < 3; attempt++) after = await rename('after the shutdown');
    expect(after.status).toBe(200);
    expect(uncaught).toEqual([]);
  });
});

describe('isDatabaseUnavailable', () => {
  const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });
  it('is true for outages: refused, reset or dropped connections, shutdowns and connection exceptions', () => {
    for (const err of [
      coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'),
      Object.assign(new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')], ''), { code: undefined }),
      new Error('Connection terminated unexpectedly'),
      new Error('Client has encountered a connection error and is not queryable'),
      coded('57P01', 'terminating connection due to administrator command'),
      coded('57P02'),
      coded('57P03', 'the database system is starting up'),
      coded('08006'),
      coded('08P01'),
      new Error('wrapped', { cause: coded('ECONNRESET') }),
    ]) {
      expect(isDatabaseUnavailable(err), String(err)).toBe(true);
    }
  });

  it('is false for errors of the query or the data', () => {
    for (const err of [coded('23505', 'duplicate key'), coded('22P02', 'invalid input syntax'), coded('40001'), new Error('boom'), 'text', undefined]) {
      expect(isDatabaseUnavailable(err), String(err)).toBe(false);
    }
  });
});

describe(`the export COPY connection dropped mid-export (${testDriver()} driver)`, () => {
  it('fails the delivery for a retry and keeps the process alive', async () => {
    const { job } = await createOrShareExportJob(direct.db, { workspaceId: ws.workspace.id, kind: 'locked-rows', requestedBy: ws.admin.id, params: {}, paramsHash: 'locked-rows' });
    let lock: Awaited<ReturnType<typeof holdChatLock>> | undefined;
    // Reads the chat's row FOR UPDATE through COPY, so the COPY waits while the test holds the row.
    const lockedRows: ExportKind = {
      statusPath: () => '/test-export-status',
      filename: () => 'locked.csv',
      async produce(handle) {
        lock = await holdChatLock();
        const copy = await handle.copyCsv({ sql: 'select id from chats where id = $1 for update', parameters: [chatId] });
        let bytes = 0;
        copy.stream.on('data', (chunk: Buffer) => (bytes += chunk.length));
        return { body: copy.stream, rowCount: copy.rowCount, byteCount: () => bytes };
      },
    };
    const logs: Array<Record<string, unknown>> = [];
    const worker = createExportWorker({
      handle: async () => appDb,
      store: createLocalExportStore({ dir: exportDir }),
      leaseSeconds: 60,
      maxReceives: 4,
      kinds: { 'locked-rows': lockedRows },
      log: (entry) => void logs.push(entry),
    });
    const record = sqsRecord(encodeExportMessage(job.id));
    const delivery = worker({ Records: [record] });
    try {
      await until(async () => lock !== undefined && (await lock.waiters()) > 0, 'the COPY to wait on the lock');
      await proxy.cut();
      expect(await delivery).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
      expect(uncaught.map(String)).toEqual([]);
    } finally {
      await lock?.release();
      await proxy.restore();
    }
    expect(logs.at(-1)).toMatchObject({ message: 'export delivery', jobId: job.id, outcome: 'retry' });
    // The run could not record its failure (the database was away): the job waits for its lease to run out.
    expect(await findExportJobById(direct.db, job.id)).toMatchObject({ status: 'running', attempts: 1 });
  });
});
