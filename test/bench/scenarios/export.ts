import { type ChildProcess, fork, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { encodeExportMessage, type ExportQueue, type ExportServices, EXPORT_KINDS } from '@parley/core';
import { createS3ExportStore } from '@parley/core/aws';
import { type ChatSort, compileChatExportQuery, findExportJobById, inlineParameters, type WorkspaceChatFilter } from '@parley/db';
import { sql } from 'kysely';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { buildFunctions } from '../../../scripts/build.js';
import { createLocalApp } from '../../../packages/functions/src/local/app.js';
import { sqsRecord } from '../../../packages/functions/src/local/export-queue.js';
import { S3RVER_CREDENTIALS, startS3Server } from '../../harness/s3.js';
import type { Figures } from '../measure.js';
import type { BenchRow, BenchScenario } from '../scenario.js';

// Seed 000's export of every chat, end to end: GET /export on the local server, the job id sent as an
// SQS event to the export worker's Lambda bundle running in a child process (so its peak RSS is its own),
// COPY streamed into a multipart upload to a local S3-compatible server; beside psql running COPY of
// the same SELECT into /dev/null, the ceiling.

/** Runs in the child: loads the bundle and hands it the events the parent sends, as the Lambda runtime would. */
const CHILD = `
const { handler } = await import(process.env.EXPORT_WORKER_BUNDLE);
process.on('message', async (message) => {
  if (message.type === 'event') {
    let response;
    try { response = await handler(message.event); } catch (err) { response = { error: String(err) }; }
    process.send({ type: 'result', response, maxRssKb: process.resourceUsage().maxRSS });
  } else if (message.type === 'stop') {
    process.exit(0);
  }
});
process.send({ type: 'ready', maxRssKb: process.resourceUsage().maxRSS });
`;

function figures(rows: number, ms: number, errors: number): Figures {
  return { requests: 1, perSecond: rows / (ms / 1000), p50: ms, p99: ms, errors };
}

/**
 * psql's COPY of `select` to /dev/null: rows/s of the database itself writing CSV. With JIT off, as
 * the export's COPY session runs (packages/db/src/copy-csv.ts), so both run the same plan.
 */
async function psqlCopy(url: string, select: string): Promise<{ ms: number; ok: boolean }> {
  const t0 = performance.now();
  const child = spawn('psql', [url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', `COPY (${select}) TO STDOUT WITH CSV HEADER`], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, PGOPTIONS: '-c jit=off' },
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { ms: performance.now() - t0, ok: code === 0 };
}

export const exportScenario: BenchScenario = {
  name: 'export',
  async run({ db, url, dataset: ds, token }) {
    const work = mkdtempSync(join(tmpdir(), 'parley-bench-export-'));
    const s3 = await startS3Server('exports');
    let child: ChildProcess | undefined;
    let server: ReturnType<typeof serve> | undefined;
    try {
      const [built] = await buildFunctions({ outdir: join(work, 'dist'), only: ['export-worker'] });
      const childFile = join(work, 'child.mjs');
      writeFileSync(childFile, CHILD);
      child = fork(childFile, [], {
        env: {
          ...process.env,
          EXPORT_WORKER_BUNDLE: built!.file,
          DATABASE_URL: url,
          DATABASE_DRIVER: 'pg',
          EXPORTS_BUCKET: 'exports',
          S3_ENDPOINT: s3.endpoint,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
        },
        // Plain node, as Lambda runs the bundle: not the runner's tsx loader, which would count in the RSS.
        execArgv: [],
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
      const next = () => new Promise<any>((resolve) => child!.once('message', resolve));
      const idleRssKb = ((await next()) as { maxRssKb: number }).maxRssKb;
      let delivery: Promise<{ response: SQSBatchResponse & { error?: string }; maxRssKb: number }> | undefined;
      // The SQS queue of production, here an IPC channel to the worker.
      const queue: ExportQueue = {
        async send(jobId) {
          const event: SQSEvent = { Records: [sqsRecord(encodeExportMessage(jobId))] };
          delivery = next();
          child!.send({ type: 'event', event });
        },
      };
      const services: ExportServices = {
        queue,
        store: createS3ExportStore({ bucket: 'exports', region: 'us-east-1', endpoint: s3.endpoint, credentials: S3RVER_CREDENTIALS }),
        waitMs: 25_000,
        linkTtlSeconds: 300,
        kinds: EXPORT_KINDS, maxReceives: 4,
      };
      server = serve({ fetch: createLocalApp({ db: async () => db, exports: () => services }).fetch, port: 0, hostname: '127.0.0.1' });
      await new Promise((r) => server!.once('listening', r));
      const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

      // The SELECT an unfiltered export of the admin runs; checked below against the job's own.
      const filter: WorkspaceChatFilter = { reach: { workspaceId: ds.workspaceId, member: null, anonymous: true } };
      const sort: ChatSort = { field: 'createdAt', order: 'desc' };
      const select = inlineParameters(compileChatExportQuery(db, filter, sort));
      await psqlCopy(url, select); // warm the cache for both paths

      const t0 = performance.now();
      const res = await fetch(`${base}/api/v2/w/${ds.workspaceId}/chats/export`, { headers: { authorization: `Bearer ${token}` }, redirect: 'manual' });
      let jobId: string;
      if (res.status === 303) {
        jobId = /\/([0-9a-f-]{36})\.csv/.exec(res.headers.get('location') ?? '')![1]!;
      } else if (res.status === 202) {
        jobId = ((await res.json()) as { exportId: string }).exportId;
        for (;;) {
          const job = await findExportJobById(db, jobId);
          if (job?.status === 'completed' || job?.status === 'failed') break;
          await new Promise((r) => setTimeout(r, 50));
        }
      } else {
        throw new Error(`GET /export answered ${res.status}: ${await res.text()}`);
      }
      const exportMs = performance.now() - t0;
      const { response, maxRssKb } = await delivery!;
      const job = await findExportJobById(db, jobId);
      // The job's saved parameters (version 1 of chat-exports.ts: reach, rules, search, sort).
      const params = job!.params as unknown as { reach: WorkspaceChatFilter['reach']; rules: null; search: null; sort: ChatSort };
      const sameSelect = params.rules === null && params.search === null && inlineParameters(compileChatExportQuery(db, { reach: params.reach }, params.sort)) === select;
      const exportOk = res.status === 303 && job?.status === 'completed' && !response.error && response.batchItemFailures.length === 0 && sameSelect;
      const rows = job?.rowCount ?? 0;

      const copy = await psqlCopy(url, select);
      // The database's own limit for this many rows: COPY of the chats table's rows as stored, no joins or formatting.
      const bareSelect = `select * from chats where workspace_id = '${ds.workspaceId}'`;
      const bare = await psqlCopy(url, bareSelect);
      const bareRows = Number((await sql<{ n: string }>`select count(*) as n from chats where workspace_id = ${ds.workspaceId}`.execute(db)).rows[0]!.n);
      const row: BenchRow = {
        name: `export ${rows.toLocaleString()} chats to CSV (http: request to file in S3; direct: psql COPY)`,
        http: figures(rows, exportMs, exportOk ? 0 : 1),
        direct: figures(rows, copy.ms, copy.ok ? 0 : 1),
      };
      const ratio = row.http.perSecond / row.direct.perSecond;
      const bareRowsPerSecond = bareRows / (bare.ms / 1000);
      const bareRatio = row.http.perSecond / bareRowsPerSecond;
      const rssMb = maxRssKb / 1024;
      row.notes = [
        `export: ${rows.toLocaleString()} rows, ${((job?.byteCount ?? 0) / 1e6).toFixed(1)} MB in ${(exportMs / 1000).toFixed(2)} s = ${Math.round(row.http.perSecond).toLocaleString()} rows/s (answered ${res.status}${sameSelect ? '' : ', job SELECT differs!'})`,
        `psql COPY of the same SELECT: ${(copy.ms / 1000).toFixed(2)} s = ${Math.round(row.direct.perSecond).toLocaleString()} rows/s; export at ${(ratio * 100).toFixed(0)}% of it`,
        `worker (export-worker bundle in a child process) peak RSS: ${rssMb.toFixed(0)} MB (${(idleRssKb / 1024).toFixed(0)} MB with the bundle loaded, before the export)`,
        `psql COPY (${bareSelect.replace(ds.workspaceId, '…')}): ${(bare.ms / 1000).toFixed(2)} s = ${Math.round(bareRowsPerSecond).toLocaleString()} rows/s (${bareRows.toLocaleString()} rows); export at ${(bareRatio * 100).toFixed(0)}% of it`,
        'every COPY runs with jit = off (see packages/db/src/copy-csv.ts)',
      ];
      return {
        rows: [row],
        targets: [
          { target: 'export: rows/s >= 60% of psql COPY of the same SELECT', ratio, pass: exportOk && copy.ok && ratio >= 0.6 },
          { target: 'export: rows/s >= 50% of psql COPY of the bare chats rows', ratio: bareRatio, pass: exportOk && bare.ok && bareRatio >= 0.5 },
          { target: 'export worker peak RSS < 256 MB', ratio: rssMb / 256, pass: exportOk && rssMb < 256 },
        ],
      };
    } finally {
      child?.send({ type: 'stop' });
      server?.close();
      await s3.close();
      rmSync(work, { recursive: true, force: true });
    }
  },
};
