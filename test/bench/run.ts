import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { createApiKey, SCOPES } from '@parley/core';
import { createDb, findChatDetails, listChatDetails, migrateToLatest } from '@parley/db';
import pg from 'pg';
import { sql } from 'kysely';
import { createLocalApp } from '../../packages/functions/src/local/app.js';
import { generateBenchData } from './generate.js';
import { type Figures, measureDirect, measureHttp } from './measure.js';

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
  const handle = await createDb({ driver: 'pg', url, maxConnections: 10 });
  const db = handle.db;

  // The data set takes minutes to load, so it is kept between runs and reused when it matches.
  const marker = join('.data', 'bench', `${new URL(url).pathname.slice(1)}.json`);
  let dataset: Dataset | undefined;
  if (!args.regenerate && existsSync(marker)) {
    const saved = JSON.parse(readFileSync(marker, 'utf8')) as { chats: number; messagesPerChat: number; dataset: Dataset };
    const present = await sql<{ n: number }>`select count(*) as n from chats where workspace_id = ${saved.dataset.workspaceId}`.execute(db).catch(() => undefined);
    if (saved.chats === chats && saved.messagesPerChat === messagesPerChat && present?.rows[0]?.n === chats) dataset = saved.dataset;
  }
  if (!dataset) {
    console.log(`Generating ${chats.toLocaleString()} chats and ${(chats * messagesPerChat).toLocaleString()} messages...`);
    await sql`drop schema public cascade`.execute(db);
    await sql`create schema public`.execute(db);
    await migrateToLatest(db);
    const t0 = performance.now();
    dataset = await generateBenchData(db, { chats, messagesPerChat });
    console.log(`Generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    mkdirSync(join('.data', 'bench'), { recursive: true });
    writeFileSync(marker, JSON.stringify({ chats, messagesPerChat, dataset }));
  }
  const ds = dataset;

  const { token } = await createApiKey(db, { workspaceId: ds.workspaceId, memberId: ds.memberId, scopes: [...SCOPES], name: 'bench' });
  const server = serve({ fetch: createLocalApp({ db: async () => db }).fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const headers = { authorization: `Bearer ${token}` };

  // A thousand live chats spread over the whole table, the same ones every run.
  const ids = (
    await sql<{ id: string }>`select id from chats where workspace_id = ${ds.workspaceId} and not is_removed and number % 997 = 0 order by number limit 1000`.execute(db)
  ).rows.map((r) => r.id);
  // Two filters: a channel and its responder, the way an inbox narrows a busy workspace.
  const listFilter = { channelIds: [ds.channelIds[0]!], responderIds: [ds.responderIds[0]!] };
  const listPaths = [1, 2, 3, 4, 5].map((p) => `/api/v1/chats/details?channelIds=${listFilter.channelIds[0]}&responderIds=${listFilter.responderIds[0]}&pageSize=20&pageNumber=${p}`);
  const principalFilter = { workspaceId: ds.workspaceId, ...listFilter };

  // Warm up caches and connections for both paths before measuring.
  await measureDirect((i) => findChatDetails(db, ds.workspaceId, ids[i % ids.length]!), { concurrency, seconds: 2 });
  await measureHttp(base, ids.slice(0, 50).map((id) => `/api/v1/chats/${id}/details`), { concurrency, seconds: 2, headers });

  const rows: Array<{ name: string; http: Figures; direct: Figures }> = [];
  rows.push({
    name: 'GET /api/v1/chats/{id}/details',
    http: await measureHttp(base, ids.map((id) => `/api/v1/chats/${id}/details`), { concurrency, seconds, headers }),
    direct: await measureDirect((i) => findChatDetails(db, ds.workspaceId, ids[i % ids.length]!), { concurrency, seconds }),
  });
  rows.push({
    name: 'GET /api/v1/chats/details (2 filters)',
    http: await measureHttp(base, listPaths, { concurrency, seconds, headers }),
    direct: await measureDirect((i) => listChatDetails(db, principalFilter, { offset: (i % 5) * 20, limit: 20 }), { concurrency, seconds }),
  });
  server.close();

  const details = rows[0]!;
  const list = rows[1]!;
  // A run with failed (or no) requests measures nothing: it misses its target whatever the ratios say.
  const clean = (row: (typeof rows)[number]) =>
    row.http.errors === 0 && row.direct.errors === 0 && row.http.requests > 0 && row.direct.requests > 0;
  const targets = [
    { target: 'details by id: HTTP throughput >= 50% of the direct query', ratio: details.http.perSecond / details.direct.perSecond, pass: clean(details) && details.http.perSecond >= 0.5 * details.direct.perSecond },
    { target: 'list with 2 filters: HTTP p99 <= 3x the direct query p99', ratio: list.http.p99 / Math.max(list.direct.p99, 0.001), pass: clean(list) && list.http.p99 <= 3 * list.direct.p99 },
  ];

  const fmt = (n: number, d = 1) => n.toFixed(d).padStart(9);
  console.log(`\nPostgreSQL ${new URL(url).host}, ${chats.toLocaleString()} chats, ${(chats * messagesPerChat).toLocaleString()} messages, ${concurrency} in flight, ${seconds} s each\n`);
  console.log(`${'benchmark'.padEnd(40)} ${'path'.padEnd(7)} ${'req/s'.padStart(9)} ${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)} ${'errors'.padStart(7)}`);
  for (const row of rows) {
    for (const [path, f] of [['http', row.http], ['direct', row.direct]] as const) {
      console.log(`${row.name.padEnd(40)} ${path.padEnd(7)} ${fmt(f.perSecond, 0)} ${fmt(f.p50, 2)} ${fmt(f.p99, 2)} ${String(f.errors).padStart(7)}`);
    }
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
