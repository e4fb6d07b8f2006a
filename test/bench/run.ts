import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { createApiKey, SCOPES } from '@parley/core';
import { createDb, migrateToLatest } from '@parley/db';
import pg from 'pg';
import { sql } from 'kysely';
import { progressPrinter } from '../../packages/functions/src/cli/progress.js';
import { createLocalApp } from '../../packages/functions/src/local/app.js';
import { generateBenchData } from './generate.js';
import type { BenchRow, BenchTarget, BenchContext } from './scenario.js';
import { chatsV1 } from './scenarios/chats-v1.js';
import { workspaceChats } from './scenarios/workspace-chats.js';
import { orgChats } from './scenarios/org-chats.js';
import { exportScenario } from './scenarios/export.js';
import { statisticsScenario } from './scenarios/statistics.js';
import { coldStart } from './scenarios/cold-start.js';
import { rateLimits } from './scenarios/rate-limits.js';
import { eventsScenario } from './scenarios/events.js';

/** Every scenario, in the order they run. Add a scenario as a file under scenarios/ and list it here. */
const scenarios = [coldStart, chatsV1, workspaceChats, exportScenario, orgChats, statisticsScenario, rateLimits, eventsScenario];

// npm run bench: the API through its HTTP server on real PostgreSQL, beside the same queries run
// directly in this process, on a deterministic data set (1,000,000 chats and 10,000,000 messages by default).

const { values: args } = parseArgs({
  options: {
    chats: { type: 'string', default: '1000000' },
    'messages-per-chat': { type: 'string', default: '10' },
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '50' },
    regenerate: { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench-results/bench.json' },
    /** Comma-separated scenario names; all when absent. */
    only: { type: 'string' },
  },
});
const chats = Number(args.chats);
const messagesPerChat = Number(args['messages-per-chat']);
const seconds = Number(args.seconds);
const concurrency = Number(args.concurrency);
const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/parley_bench';

async function ensureDatabase() {
  const target = new URL(url);
  const admin = new pg.Client({ connectionString: Object.assign(new URL(url), { pathname: '/postgres' }).toString() });
  await admin.connect();
  try {
    const name = target.pathname.slice(1);
    const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) await admin.query(`create database "${name.replace(/"/g, '""')}"`);
  } finally {
    await admin.end();
  }
}

type Dataset = Awaited<ReturnType<typeof generateBenchData>>;

async function main() {
  await ensureDatabase();
  // BENCH_PREPARED=off measures without named prepared statements (packages/db/src/prepared.ts), for a before/after.
  const handle = await createDb({ driver: 'pg', url, maxConnections: 10, preparedStatements: process.env.BENCH_PREPARED !== 'off' });
  const db = handle.db;

  // The data set takes minutes to load, so it is kept between runs and reused when it matches.
  const marker = join('.data', 'bench', `${new URL(url).pathname.slice(1)}.json`);
  let dataset: Dataset | undefined;
  if (!args.regenerate && existsSync(marker)) {
    const saved = JSON.parse(readFileSync(marker, 'utf8')) as { chats: number; messagesPerChat: number; dataset: Dataset };
    const present = await sql<{ n: number }>`select count(*) as n from chats where workspace_id = ${saved.dataset.workspaceId}`.execute(db).catch(() => undefined);
    if (saved.chats === chats && saved.messagesPerChat === messagesPerChat && present?.rows[0]?.n === chats) dataset = saved.dataset;
    // A kept data set gets the migrations written since it was loaded (their backfills run on it).
    if (dataset) {
      const applied = await migrateToLatest(db);
      if (applied.length) console.log(`Migrated the kept data set: ${applied.join(', ')}`);
    }
  }
  if (!dataset) {
    console.log(`Generating ${chats.toLocaleString()} chats and ${(chats * messagesPerChat).toLocaleString()} messages...`);
    await sql`drop schema public cascade`.execute(db);
    await sql`create schema public`.execute(db);
    await migrateToLatest(db);
    const t0 = performance.now();
    const progress = progressPrinter();
    dataset = await generateBenchData(db, { chats, messagesPerChat, log: progress.log, onProgress: progress.update });
    progress.end();
    console.log(`Generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    mkdirSync(join('.data', 'bench'), { recursive: true });
    writeFileSync(marker, JSON.stringify({ chats, messagesPerChat, dataset }));
  }
  const ds = dataset;

  const { token } = await createApiKey(db, { workspaceId: ds.workspaceId, memberId: ds.memberId, scopes: [...SCOPES], name: 'bench' });
  // Without rate limits, so that no scenario measures them but their own (rate-limits).
  const server = serve({ fetch: createLocalApp({ db: async () => db, rateLimits: () => ({ enabled: false }) }).fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const headers = { authorization: `Bearer ${token}` };

  const ctx: BenchContext = { db, url, dataset: ds, base, token, headers, concurrency, seconds };
  const selected = args.only ? scenarios.filter((s) => args.only!.split(',').includes(s.name)) : scenarios;
  if (selected.length === 0) throw new Error(`No scenario named ${args.only}; known: ${scenarios.map((s) => s.name).join(', ')}`);
  const rows: BenchRow[] = [];
  const targets: BenchTarget[] = [];
  for (const scenario of selected) {
    console.log(`Running ${scenario.name}...`);
    const result = await scenario.run(ctx);
    rows.push(...result.rows);
    targets.push(...result.targets);
  }
  server.close();

  const fmt = (n: number, d = 1) => n.toFixed(d).padStart(9);
  console.log(`\nPostgreSQL ${new URL(url).host}, ${chats.toLocaleString()} chats, ${(chats * messagesPerChat).toLocaleString()} messages, ${concurrency} in flight, ${seconds} s each\n`);
  console.log(`${'benchmark'.padEnd(48)} ${'path'.padEnd(7)} ${'req/s'.padStart(9)} ${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)} ${'errors'.padStart(7)}`);
  for (const row of rows) {
    // A row of figures that are not requests (bundle sizes, import times) has only its notes.
    if (row.http.requests === 0 && row.direct.requests === 0) console.log(row.name);
    else for (const [path, f] of [['http', row.http], ['direct', row.direct]] as const) {
      console.log(`${row.name.padEnd(48)} ${path.padEnd(7)} ${fmt(f.perSecond, 0)} ${fmt(f.p50, 2)} ${fmt(f.p99, 2)} ${String(f.errors).padStart(7)}`);
    }
    for (const note of row.notes ?? []) console.log(`  ${note}`);
  }
  console.log('');
  for (const t of targets) console.log(`${t.pass ? 'PASS' : 'MISS'}  ${t.target}  (ratio ${t.ratio.toFixed(2)})`);

  mkdirSync(join(args.out, '..'), { recursive: true });
  writeFileSync(args.out, JSON.stringify({ at: new Date().toISOString(), database: new URL(url).host, chats, messages: chats * messagesPerChat, concurrency, seconds, rows, targets }, null, 2));
  console.log(`\nFigures written to ${args.out}`);
  await handle.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
