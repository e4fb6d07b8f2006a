import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { authenticate, encodeExportMessage, EXPORT_KINDS, requestChatExport } from '@parley/core';
import { createS3ExportStore } from '@parley/core/aws';
import { createDb, type DbHandle, findExportJobById, insertChat, migrateToLatest } from '@parley/db';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sqsRecord } from '../packages/functions/src/local/export-queue.js';
import { buildFunctions } from '../scripts/build.js';
import { csvRecords } from './harness/csv.js';
import { servePglite } from './harness/pglite-server.js';
import { S3RVER_CREDENTIALS, startS3Server } from './harness/s3.js';
import { createTestWorkspace, type TestWorkspace } from './harness/workspace.js';

// The export worker as Lambda runs it: the esbuild bundle, handed SQS events, its database and bucket
// arriving as SST-linked resources, its file going to a local S3-compatible server. On PGlite the
// database is served over the Postgres protocol, since the worker reads in bulk over TCP with `pg`.

type Handler = (event: SQSEvent) => Promise<SQSBatchResponse>;

let outdir: string;
let handler: Handler;
let fixtureDb: DbHandle;
let stopPglite: (() => Promise<void>) | undefined;
let s3: Awaited<ReturnType<typeof startS3Server>>;
let ws: TestWorkspace;

beforeAll(async () => {
  let url = process.env.DATABASE_URL;
  if (!url) {
    const served = await servePglite();
    url = served.url;
    stopPglite = served.stop;
  }
  fixtureDb = await createDb({ driver: 'pg', url, maxConnections: 1 });
  if (stopPglite) await migrateToLatest(fixtureDb.db);
  s3 = await startS3Server('parley-test-exports');
  // As deployed (infra/queue.ts): no DATABASE_DRIVER, the connection string and the bucket linked by SST.
  delete process.env.DATABASE_URL;
  delete process.env.DATABASE_DRIVER;
  process.env.SST_RESOURCE_DatabaseUrl = JSON.stringify({ type: 'sst.sst.Secret', value: url });
  process.env.SST_RESOURCE_Exports = JSON.stringify({ type: 'sst.aws.Bucket', name: 'parley-test-exports' });
  Object.assign(process.env, { S3_ENDPOINT: s3.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey });
  ws = await createTestWorkspace(fixtureDb.db);
  for (const title of ['first, with a comma', '=formula']) {
    await insertChat(fixtureDb.db, { workspaceId: ws.workspace.id, channelId: ws.channels.whatsapp.id, ownerId: ws.contact.identityId, responderId: ws.agent.identityId, currentResponderId: null, responderVersionId: null, title });
  }
  outdir = mkdtempSync(join(tmpdir(), 'parley-export-worker-'));
  const [built] = await buildFunctions({ outdir, only: ['export-worker'] });
  handler = (await import(pathToFileURL(built!.file).href))[built!.exportName];
}, 180_000);

afterAll(async () => {
  await fixtureDb?.close();
  await stopPglite?.();
  await s3?.close();
  if (outdir) rmSync(outdir, { recursive: true, force: true });
  for (const name of ['SST_RESOURCE_DatabaseUrl', 'SST_RESOURCE_Exports', 'S3_ENDPOINT', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) delete process.env[name];
});

describe('the built export-worker Lambda bundle', () => {
  it('writes the file to the linked bucket, and treats a second delivery as done', async () => {
    const sent: string[] = [];
    const principal = await authenticate(fixtureDb.db, ws.keys.all);
    const { job } = await requestChatExport(fixtureDb.db, { queue: { send: async (id) => void sent.push(id) }, kinds: EXPORT_KINDS, maxReceives: 4 }, principal, {
      sortBy: 'title',
      sortOrder: 'asc',
      channel: [],
      chatType: [],
    });
    expect(sent).toEqual([job.id]);
    const record = sqsRecord(encodeExportMessage(job.id));
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((line) => void lines.push(String(line)));
    try {
      expect(await handler({ Records: [record] })).toEqual({ batchItemFailures: [] });
    } finally {
      spy.mockRestore();
    }
    // The delivery's log line carries the export's rows and duration as CloudWatch EMF metrics.
    const delivery = lines.map((l) => JSON.parse(l)).find((l) => l.message === 'export delivery');
    expect(delivery).toMatchObject({
      outcome: 'completed',
      rows: 2,
      kind: 'workspace-chats',
      ExportRows: 2,
      ExportDuration: expect.any(Number),
      _aws: { CloudWatchMetrics: [{ Namespace: 'Parley', Dimensions: [['kind']], Metrics: [{ Name: 'ExportRows', Unit: 'Count' }, { Name: 'ExportDuration', Unit: 'Milliseconds' }] }] },
    });
    const done = await findExportJobById(fixtureDb.db, job.id);
    expect(done).toMatchObject({ status: 'completed', rowCount: 2, attempts: 1, objectKey: `exports/${ws.workspace.id}/${job.id}.csv` });

    const store = createS3ExportStore({ bucket: 'parley-test-exports', region: 'us-east-1', endpoint: s3.endpoint, credentials: S3RVER_CREDENTIALS });
    const text = await (await fetch(await store.downloadUrl(done!.objectKey!, { filename: 'x.csv', expiresInSeconds: 60 }))).text();
    expect(csvRecords(text).map((r) => r.title)).toEqual(["'=formula", 'first, with a comma']);

    expect(await handler({ Records: [sqsRecord(encodeExportMessage(job.id), { messageId: record.messageId, receiveCount: 2 })] })).toEqual({ batchItemFailures: [] });
    expect(await findExportJobById(fixtureDb.db, job.id)).toMatchObject({ status: 'completed', attempts: 1 });
  });
});
