import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { serve } from '@hono/node-server';
import {
  createApiKey,
  createLocalExportStore,
  encodeExportMessage,
  EXPORT_KIND_INFOS,
  EXPORT_KINDS,
  type ExportQueue,
  type ExportServices,
  type ExportStore,
  type LocalExportStore,
} from '@parley/core';
import { createS3ExportStore, createSqsExportQueue } from '@parley/core/aws';
import { CHAT_EXPORT_COLUMNS, claimExportJob, createOrShareExportJob, findExportJobById, inlineParameters, insertChat } from '@parley/db';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLocalApp } from '../packages/functions/src/local/app.js';
import { createInProcessExportQueue, type InProcessExportQueue, sqsRecord, visibilityTimeoutMsFor } from '../packages/functions/src/local/export-queue.js';
import { startExportSweep } from '../packages/functions/src/local/export-sweep.js';
import { createExportWorker } from '../packages/functions/src/workers/export-worker.js';
import { csvRecords, parseCsv } from './harness/csv.js';
import { useTestDb } from './harness/db.js';
import { S3RVER_CREDENTIALS, startS3Server } from './harness/s3.js';
import { createTestWorkspace, type TestWorkspace } from './harness/workspace.js';

// GET /api/v2/w/{workspace_uuid}/chats/export and the pipeline behind it: export jobs, the in-process
// queue feeding the SQS worker, COPY into the store, signed links; the S3 store against s3rver.

const t = useTestDb();
const dir = mkdtempSync(join(tmpdir(), 'parley-exports-'));
const store = createLocalExportStore({ dir, secret: 'test-signing-secret-0123456789' });
const uploads: string[] = [];
/** The local store, counting uploads. */
const countingStore: ExportStore = {
  upload: (key, body, type) => {
    uploads.push(key);
    return store.upload(key, body, type);
  },
  downloadUrl: (key, options) => store.downloadUrl(key, options),
};

const deliveries: Array<Record<string, unknown>> = [];
const workerFor = (s: ExportStore, leaseSeconds = 60) =>
  createExportWorker({ handle: async () => t.handle, store: s, leaseSeconds, kinds: EXPORT_KINDS, maxReceives: 4, log: (entry) => void deliveries.push(entry) });
const queueFor = (s: ExportStore) => createInProcessExportQueue(workerFor(s), { maxReceives: 4, visibilityTimeoutMs: 10 });

/** A queue that keeps what is sent, for tests that deliver by hand. */
function recordingQueue(): ExportQueue & { sent: string[] } {
  const sent: string[] = [];
  return { sent, send: async (id) => void sent.push(id) };
}

/** The API's public base URL in these tests (PUBLIC_URL). */
const PUBLIC_URL = 'https://api.parley.test';

function appWith(services: Partial<ExportServices> & { queue: ExportQueue }, localExportStore: LocalExportStore = store) {
  const exports: ExportServices = { store: countingStore, kinds: EXPORT_KINDS, waitMs: 10_000, linkTtlSeconds: 60, maxReceives: 4, publicUrl: PUBLIC_URL, ...services };
  return createLocalApp({ db: async () => t.db, exports: () => exports }, { localExportStore });
}

type App = ReturnType<typeof appWith>;
const get = (app: App, path: string, key: string | null) => app.request(path, { headers: key ? { authorization: `Bearer ${key}` } : {} });

let ws: TestWorkspace;
let queue: InProcessExportQueue;
let app: App;
const base = () => `/api/v2/w/${ws.workspace.id}/chats`;

const TRICKY_TITLES = [
  '=SUM(A1:A9)',
  '+15550001',
  '-2+3',
  '@cmd',
  '\tTabbed',
  '\rCarriage',
  'He said "hi", then left\nfor good',
  'Ünïcödé 日本語 🎉, ok',
  'Plain title',
];

beforeAll(async () => {
  ws = await createTestWorkspace(t.db);
  const db = t.db;
  const make = async (title: string | null, channelId: string | null, flags: Record<string, unknown> = {}, createdAt?: Date) => {
    const chat = await insertChat(db, {
      workspaceId: ws.workspace.id,
      channelId,
      ownerId: ws.contact.identityId,
      responderId: ws.agent.identityId,
      currentResponderId: null,
      responderVersionId: null,
      title,
      createdAt,
    });
    if (Object.keys(flags).length) await db.updateTable('chats').set(flags).where('id', '=', chat.id).execute();
    return chat;
  };
  const start = Date.parse('2026-01-01T00:00:00Z');
  for (const [i, title] of TRICKY_TITLES.entries()) {
    await make(title, i % 2 ? ws.channels.whatsapp.id : ws.channels.sms.id, i % 3 === 0 ? { is_archived: true } : {}, new Date(start + i * 3_600_000));
  }
  await make(null, null, { needs_response: true }, new Date(start + 20 * 3_600_000));
  const owned = await make('Member owned', ws.channels.api.id, {}, new Date(start + 21 * 3_600_000));
  await db.updateTable('chats').set({ owner_id: ws.member.identityId }).where('id', '=', owned.id).execute();
  await ws.appendMessages(owned.id, [{ role: 'user', content: 'a refund please', authorId: ws.member.identityId } as never]);
  // Labels (one a formula) and participants on the first chat.
  const first = (await db.selectFrom('chats').select('id').where('workspace_id', '=', ws.workspace.id).where('title', '=', '=SUM(A1:A9)').executeTakeFirstOrThrow()).id;
  const labels = await db
    .insertInto('labels')
    .values([{ workspace_id: ws.workspace.id, name: 'billing' }, { workspace_id: ws.workspace.id, name: '=HYPERLINK("http://x.test")' }])
    .returning('id')
    .execute();
  await db.insertInto('chat_labels').values(labels.map((l) => ({ chat_id: first, label_id: l.id }))).execute();
  await db.insertInto('participants').values([{ chat_id: first, member_id: ws.admin.id, role: 'owner' }, { chat_id: first, member_id: ws.member.id }]).execute();
});

beforeEach(() => {
  queue = queueFor(countingStore);
  app = appWith({ queue });
  uploads.length = 0;
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Follows a 303 to the local store's link and returns the CSV. */
async function download(res: Response, via: App = app): Promise<string> {
  expect(res.status).toBe(303);
  const location = res.headers.get('location')!;
  expect(location.startsWith(`${PUBLIC_URL}/local-exports/`)).toBe(true);
  const file = await via.request(location);
  expect(file.status).toBe(200);
  expect(file.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  return file.text();
}

/** The list endpoint's ids for the same query, every page. */
async function listIds(query: string): Promise<number[]> {
  const res = await get(app, `${base()}?pageSize=100${query ? `&${query}` : ''}`, ws.keys.all!);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { chats: Array<{ id: number }>; hasMore: boolean };
  expect(body.hasMore).toBe(false);
  return body.chats.map((c) => c.id);
}

describe('export kind registries', () => {
  it('the HTTP side knows every kind the worker runs, with the same status path and file name', () => {
    expect(Object.keys(EXPORT_KIND_INFOS).sort()).toEqual(Object.keys(EXPORT_KINDS).sort());
    for (const [name, kind] of Object.entries(EXPORT_KINDS)) {
      expect(EXPORT_KIND_INFOS[name]!.statusPath).toBe(kind.statusPath);
      expect(EXPORT_KIND_INFOS[name]!.filename).toBe(kind.filename);
    }
  });
});

describe('GET /chats/export', () => {
  it('answers 303 to a signed link of the CSV when the file is ready in time', async () => {
    const res = await get(app, `${base()}/export`, ws.keys.all!);
    const text = await download(res);
    const [header, ...rows] = parseCsv(text);
    expect(header).toEqual(CHAT_EXPORT_COLUMNS.map(([name]) => name));
    expect(rows.map((r) => Number(r[0]))).toEqual(await listIds(''));
    expect(uploads).toHaveLength(1);
  });

  it('serves the CSV to a real HTTP client that follows the redirect', async () => {
    let served: App | undefined;
    const server = serve({ fetch: (req, env) => served!.fetch(req, env), port: 0, hostname: '127.0.0.1' });
    await new Promise((r) => server.once('listening', r));
    try {
      const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      served = appWith({ queue, publicUrl: origin });
      const res = await fetch(`${origin}${base()}/export?chatType=assignment`, { headers: { authorization: `Bearer ${ws.keys.all}` } });
      expect(res.status).toBe(200);
      expect(res.redirected).toBe(true);
      expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="chats-export-\d{4}-\d{2}-\d{2}-[0-9a-f]{8}\.csv"$/);
      expect(parseCsv(await res.text())[0]![0]).toBe('chat_id');
    } finally {
      server.close();
    }
  });

  it('builds its links from the configured base URL, never from the Host header', async () => {
    let target: App = app;
    const server = serve({ fetch: (req, env) => target.fetch(req, env), port: 0, hostname: '127.0.0.1' });
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as { port: number }).port;
    // A raw request, so the Host header says what an attacker wants it to.
    const request = (path: string) =>
      new Promise<{ status: number; location: string; body: string }>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path, headers: { host: 'evil.example', authorization: `Bearer ${ws.keys.all}` } }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode!, location: String(res.headers.location), body }));
        });
        req.on('error', reject);
        req.end();
      });
    try {
      const ready = await request(`${base()}/export?chatType=dm`);
      expect(ready.status).toBe(303);
      expect(ready.location.startsWith(`${PUBLIC_URL}/local-exports/`)).toBe(true);
      const jobId = /\/([0-9a-f-]{36})\.csv/.exec(ready.location)![1]!;
      const status = await request(`${base()}/exports/${jobId}`);
      expect(JSON.parse(status.body).downloadUrl.startsWith(`${PUBLIC_URL}/local-exports/`)).toBe(true);

      target = appWith({ queue: recordingQueue(), waitMs: 0 });
      const queued = await request(`${base()}/export?chatType=manager`);
      expect(queued.status).toBe(202);
      expect(queued.location).toBe(`${PUBLIC_URL}${base()}/exports/${JSON.parse(queued.body).exportId}`);
      expect(JSON.parse(queued.body).statusUrl).toBe(queued.location);
      for (const res of [ready, status, queued]) expect(`${res.location} ${res.body}`).not.toContain('evil.example');
    } finally {
      server.close();
    }
  });

  it('answers 202 with a status URL and Retry-After when the file takes longer, then reports it completed', async () => {
    const slow = appWith({ queue, waitMs: 0 });
    const res = await get(slow, `${base()}/export?archived=false`, ws.keys.all!);
    expect(res.status).toBe(202);
    const body = (await res.json()) as { exportId: string; status: string; statusUrl: string; retryAfter: number };
    expect(body).toMatchObject({ status: 'queued', retryAfter: 2 });
    expect(res.headers.get('retry-after')).toBe('2');
    expect(res.headers.get('location')).toBe(body.statusUrl);
    expect(body.statusUrl).toBe(`${PUBLIC_URL}${base()}/exports/${body.exportId}`);

    await queue.drain();
    const status = await slow.request(body.statusUrl, { headers: { authorization: `Bearer ${ws.keys.all}` } });
    expect(status.status).toBe(200);
    const job = (await status.json()) as Record<string, any>;
    const ids = await listIds('archived=false');
    expect(job).toMatchObject({ id: body.exportId, kind: 'workspace-chats', status: 'completed', rowCount: ids.length, attempts: 1, error: null });
    expect(job.byteCount).toBeGreaterThan(100);
    expect(Date.parse(job.downloadUrlExpiresAt) - Date.now()).toBeGreaterThan(50_000);
    const file = await slow.request(job.downloadUrl);
    expect(csvRecords(await file.text()).map((r) => Number(r.chat_id))).toEqual(ids);
  });

  it.each([
    ['channel', 'channel=whatsapp'],
    ['archived and sort by title', 'archived=true&sortBy=title&sortOrder=asc'],
    ['needsResponse', 'needsResponse=true'],
    ['memberId', 'memberId=MEMBER'],
    ['search', 'search=refund'],
    ['createdAfter', 'createdAfter=2026-01-01T03:30:00%2B01:00'],
    ['a filters rule tree', `filters=${encodeURIComponent(JSON.stringify({ any: [{ field: 'label', op: 'eq', value: 'billing' }, { field: 'channel', op: 'is_null', value: true }] }))}`],
    ['is_null on a time field', `filters=${encodeURIComponent(JSON.stringify({ field: 'lastMessageAt', op: 'is_null', value: true }))}`],
  ])('exports the chats the list shows for the same filters: %s', async (_name, rawQuery) => {
    const query = rawQuery.replace('MEMBER', String(ws.member.id));
    const ids = await listIds(query);
    expect(ids.length).toBeGreaterThan(0);
    const records = csvRecords(await download(await get(app, `${base()}/export?${query}`, ws.keys.all!)));
    expect(records.map((r) => Number(r.chat_id))).toEqual(ids);
  });

  it('writes RFC 4180 CSV: CRLF record ends, quoting, unicode, and formulas neutralised', async () => {
    const text = await download(await get(app, `${base()}/export?sortBy=createdAt&sortOrder=asc`, ws.keys.all!));
    expect(text.split('\r\n')[0]).toBe(CHAT_EXPORT_COLUMNS.map(([name]) => name).join(','));
    // Every LF outside quotes ends a record with CRLF; the one inside a title stays as it is.
    expect(text).toContain('"He said ""hi"", then left\nfor good"');
    expect(text.replace(/"[^"]*(""[^"]*)*"/g, '').match(/(?<!\r)\n/g)).toBeNull();
    const records = csvRecords(text);
    const titles = records.map((r) => r.title);
    expect(titles.slice(0, TRICKY_TITLES.length)).toEqual([
      "'=SUM(A1:A9)",
      "'+15550001",
      "'-2+3",
      "'@cmd",
      "'\tTabbed",
      "'\rCarriage",
      'He said "hi", then left\nfor good',
      'Ünïcödé 日本語 🎉, ok',
      'Plain title',
    ]);
    const first = records[0]!;
    expect(first.labels).toBe(`'=HYPERLINK("http://x.test"); billing`);
    expect(first.participants).toBe(`${ws.admin.id}:owner;${ws.member.id}:contributor`);
    expect(first).toMatchObject({ archived: 'true', chat_type: 'assignment', channel: 'sms', owner_kind: 'contact', owner_name: 'Carl Contact', assistant_name: 'Helper Bot', state: 'OPEN' });
    expect(first.created_at).toBe('2026-01-01T00:00:00.000Z');
    expect(first.last_message_at).toBe('');
    const untitled = records.find((r) => r.needs_response === 'true')!;
    expect(untitled).toMatchObject({ title: '', channel: 'api', channel_name: '' });
    expect(records.at(-1)!).toMatchObject({ title: 'Member owned', message_count: '1', owner_kind: 'user', owner_member_id: String(ws.member.id) });
    expect(records.at(-1)!.last_message_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('shares the job of an identical request from the same member while it is queued', async () => {
    const recording = recordingQueue();
    const waiting = appWith({ queue: recording, waitMs: 0 });
    const first = (await (await get(waiting, `${base()}/export?chatType=assignment&archived=false`, ws.keys.all!)).json()) as { exportId: string };
    // The same filters in another order and spelling are the same request.
    const again = (await (await get(waiting, `${base()}/export?archived=false&chatType=assignment`, ws.keys.all!)).json()) as { exportId: string };
    expect(again.exportId).toBe(first.exportId);
    const other = (await (await get(waiting, `${base()}/export?archived=true`, ws.keys.all!)).json()) as { exportId: string };
    expect(other.exportId).not.toBe(first.exportId);
    const memberKey = (await createApiKey(t.db, { workspaceId: ws.workspace.id, memberId: ws.member.id, scopes: ['chats:read'] })).token;
    const members = (await (await get(waiting, `${base()}/export?chatType=assignment&archived=false`, memberKey)).json()) as { exportId: string };
    expect(members.exportId).not.toBe(first.exportId);
    expect(recording.sent).toEqual([first.exportId, other.exportId, members.exportId]);
    // The member sees only its own exports; the admin sees them all.
    expect((await get(waiting, `${base()}/exports/${first.exportId}`, memberKey)).status).toBe(404);
    expect((await get(waiting, `${base()}/exports/${members.exportId}`, ws.keys.all!)).status).toBe(200);
  });

  it('answers 403 without chats:read, and for isAnonymous without chats:admin', async () => {
    expect((await get(app, `${base()}/export`, ws.keys.statistics!)).status).toBe(403);
    expect((await get(app, `${base()}/export?isAnonymous=true`, ws.keys.read!)).status).toBe(403);
    expect((await get(app, `${base()}/export`, null)).status).toBe(401);
    expect((await get(app, `${base()}/export?createdAfter=2026-01-01T00:00:00`, ws.keys.all!)).status).toBe(400);
    expect(uploads).toEqual([]);
  });

  it("answers 404 for another workspace's path and another workspace's export", async () => {
    const other = await createTestWorkspace(t.db);
    expect((await get(app, `${base()}/export`, other.keys.all!)).status).toBe(404);
    const slow = appWith({ queue: recordingQueue(), waitMs: 0 });
    const { exportId } = (await (await get(slow, `${base()}/export?paused=true`, ws.keys.all!)).json()) as { exportId: string };
    expect((await get(slow, `/api/v2/w/${other.workspace.id}/chats/exports/${exportId}`, other.keys.all!)).status).toBe(404);
    expect((await get(slow, `${base()}/exports/${exportId}`, other.keys.all!)).status).toBe(404);
    expect((await get(slow, `${base()}/exports/00000000-0000-4000-8000-000000000000`, ws.keys.all!)).status).toBe(404);
    expect((await get(slow, `${base()}/exports/not-a-uuid`, ws.keys.all!)).status).toBe(400);
  });
});

describe('local download links', () => {
  it('reject tampered, extended and expired links', async () => {
    const location = new URL((await get(app, `${base()}/export?isTest=false`, ws.keys.all!)).headers.get('location')!);
    expect((await app.request(location.toString())).status).toBe(200);
    const altered = (change: (u: URL) => void) => {
      const u = new URL(location);
      change(u);
      return app.request(u.toString());
    };
    expect((await altered((u) => u.searchParams.set('signature', `${u.searchParams.get('signature')!.slice(0, -2)}AA`))).status).toBe(403);
    expect((await altered((u) => u.searchParams.set('expires', String(Number(u.searchParams.get('expires')) + 3600)))).status).toBe(403);
    expect((await altered((u) => u.searchParams.set('filename', 'other.csv'))).status).toBe(403);
    expect((await altered((u) => (u.pathname = u.pathname.replace(/[0-9a-f]{8}(?=[^/]*\.csv$)/, '00000000')))).status).toBe(403);
    expect((await altered((u) => u.searchParams.delete('signature'))).status).toBe(403);
    const key = decodeURIComponent(location.pathname.slice('/local-exports/'.length));
    const expired = await store.downloadUrl(key, { filename: 'x.csv', expiresInSeconds: -1 });
    const res = await app.request(`http://localhost${expired}`);
    expect(res.status).toBe(403);
    expect(((await res.json()) as any).error.code).toBe('forbidden');
    expect((await app.request('http://localhost/local-exports/..%2F..%2Fetc%2Fpasswd?expires=9999999999&filename=x.csv&signature=x')).status).toBe(403);
  });
});

describe('the local export store', () => {
  it('leaves no partial file when an upload fails, and removes those of killed runs when it starts', async () => {
    const root = mkdtempSync(join(tmpdir(), 'parley-partials-'));
    try {
      const local = createLocalExportStore({ dir: root });
      const failing = Readable.from((async function* () {
        yield Buffer.alloc(64 * 1024, 'x');
        throw new Error('the COPY connection dropped');
      })());
      await expect(local.upload('exports/w1/failed.csv', failing, 'text/csv')).rejects.toThrow('the COPY connection dropped');
      await local.upload('exports/w1/done.csv', Readable.from(['a,b\r\n']), 'text/csv');
      expect(readdirSync(join(root, 'exports', 'w1'))).toEqual(['done.csv']);

      // What a run killed midway leaves behind (the process stopped before it could clean up).
      writeFileSync(join(root, 'exports', 'w1', 'job.csv.0a1b2c3d4e5f.partial'), 'half a fi');
      mkdirSync(join(root, 'exports', 'w2'));
      writeFileSync(join(root, 'exports', 'w2', 'other.csv.ffeeddccbbaa.partial'), '');
      createLocalExportStore({ dir: root });
      expect(readdirSync(join(root, 'exports', 'w1'))).toEqual(['done.csv']);
      expect(readdirSync(join(root, 'exports', 'w2'))).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('the export worker under SQS semantics', () => {
  /** Records an export job without delivering it; returns its id and the SQS message body. */
  async function queuedJob(query: string): Promise<{ jobId: string; body: string }> {
    const recording = recordingQueue();
    const res = await get(appWith({ queue: recording, waitMs: 0 }), `${base()}/export?${query}`, ws.keys.all!);
    expect(res.status).toBe(202);
    // A new job, not one shared with an earlier test's request.
    expect(recording.sent).toHaveLength(1);
    return { jobId: recording.sent[0]!, body: encodeExportMessage(recording.sent[0]!) };
  }
  const filesOf = (jobId: string) => readdirSync(join(dir, 'exports', ws.workspace.id)).filter((f) => f.startsWith(jobId));

  it('turns a message delivered twice into one file and one completed job', async () => {
    const { jobId, body } = await queuedJob('sortBy=title');
    const worker = workerFor(countingStore);
    const record = sqsRecord(body);
    expect(await worker({ Records: [record] })).toEqual({ batchItemFailures: [] });
    expect(await worker({ Records: [sqsRecord(body, { messageId: record.messageId, receiveCount: 2 })] })).toEqual({ batchItemFailures: [] });
    expect(uploads).toEqual([`exports/${ws.workspace.id}/${jobId}.csv`]);
    expect(await findExportJobById(t.db, jobId)).toMatchObject({ status: 'completed', attempts: 1 });
    expect(filesOf(jobId)).toEqual([`${jobId}.csv`]);
  });

  it('records a versioned job, reads the unversioned jobs recorded before into the same CSV, and refuses a version it does not know', async () => {
    // Reach, rules (with a time) and search all go into the saved shape.
    const { jobId, body } = await queuedJob('sortBy=title&sortOrder=desc&archived=false&createdAfter=2026-01-01T00:00:00Z&search=refund');
    const saved = (await findExportJobById(t.db, jobId))!;
    expect(saved.params).toMatchObject({ version: 1, search: 'refund', sort: { field: 'title', order: 'desc' }, reach: { workspaceId: ws.workspace.id } });
    // The same export as the release before recorded it: the query builder's filter as it was built.
    const { reach, rules, search, sort } = saved.params as { reach: unknown; rules: unknown; search: string; sort: unknown };
    const unversioned = await createOrShareExportJob(t.db, { workspaceId: ws.workspace.id, kind: 'workspace-chats', requestedBy: ws.admin.id, params: { filter: { reach, rules, search }, sort }, paramsHash: `unversioned-${jobId}` });
    const future = await createOrShareExportJob(t.db, { workspaceId: ws.workspace.id, kind: 'workspace-chats', requestedBy: ws.admin.id, params: { ...saved.params, version: 2 }, paramsHash: `future-${jobId}` });
    const worker = workerFor(countingStore);
    expect(await worker({ Records: [sqsRecord(body), sqsRecord(encodeExportMessage(unversioned.job.id))] })).toEqual({ batchItemFailures: [] });
    const csv = (id: string) => readFileSync(join(dir, 'exports', ws.workspace.id, `${id}.csv`), 'utf8');
    expect(csvRecords(csv(jobId)).map((r) => r.title)).toEqual(['Member owned']);
    expect(csv(unversioned.job.id)).toBe(csv(jobId));
    // A job of a later release's version fails for good on its last delivery, with its file unwritten.
    expect(await worker({ Records: [sqsRecord(encodeExportMessage(future.job.id), { receiveCount: 4 })] })).toEqual({ batchItemFailures: [expect.any(Object)] });
    expect(await findExportJobById(t.db, future.job.id)).toMatchObject({ status: 'failed' });
    expect(filesOf(future.job.id)).toEqual([]);
  });

  it('fails a job of a kind this release does not run on its last delivery, with its export.failed event', async () => {
    const { job } = await createOrShareExportJob(t.db, { workspaceId: ws.workspace.id, kind: 'retired-kind', requestedBy: ws.admin.id, params: {}, paramsHash: `retired-${Date.now()}` });
    const worker = workerFor(countingStore);
    expect(await worker({ Records: [sqsRecord(encodeExportMessage(job.id), { receiveCount: 4 })] })).toEqual({ batchItemFailures: [expect.any(Object)] });
    expect(await findExportJobById(t.db, job.id)).toMatchObject({ status: 'failed' });
    const event = await t.db.selectFrom('events').select(['type', 'payload']).where('workspace_id', '=', ws.workspace.id).where('resource_id', '=', job.id).executeTakeFirst();
    expect(event?.type).toBe('export.failed');
  });

  it('runs a job once when two deliveries race; the loser is retried later and finds it done', async () => {
    const { jobId, body } = await queuedJob('sortBy=updatedAt');
    const worker = workerFor(countingStore);
    const [a, b] = await Promise.all([worker({ Records: [sqsRecord(body, { messageId: 'a' })] }), worker({ Records: [sqsRecord(body, { messageId: 'b' })] })]);
    expect([...a.batchItemFailures, ...b.batchItemFailures].length).toBeLessThanOrEqual(1);
    expect(uploads).toHaveLength(1);
    expect(await findExportJobById(t.db, jobId)).toMatchObject({ status: 'completed', attempts: 1 });
    expect(await worker({ Records: [sqsRecord(body, { messageId: 'b', receiveCount: 2 })] })).toEqual({ batchItemFailures: [] });
    expect(filesOf(jobId)).toEqual([`${jobId}.csv`]);
  });

  it('retries a run that failed midway, and completes it with one file', async () => {
    let calls = 0;
    const flaky: ExportStore = {
      async upload(key, body, type) {
        if (++calls === 1) {
          // Read part of the stream, then die as a crashed upload would.
          for await (const _chunk of body) break;
          throw new Error('simulated crash while uploading');
        }
        return countingStore.upload(key, body, type);
      },
      downloadUrl: (key, options) => store.downloadUrl(key, options),
    };
    const flakyQueue = queueFor(flaky);
    const res = await get(appWith({ queue: flakyQueue, store: flaky }), `${base()}/export?sortBy=lastMessageAt`, ws.keys.all!);
    expect(res.status).toBe(303);
    await flakyQueue.drain();
    const jobId = /\/([0-9a-f-]{36})\.csv/.exec(res.headers.get('location')!)![1]!;
    expect(await findExportJobById(t.db, jobId)).toMatchObject({ status: 'completed', attempts: 2, error: null });
    expect(filesOf(jobId)).toEqual([`${jobId}.csv`]);
    expect(flakyQueue.deadLetters).toEqual([]);
  });

  it('takes over a job whose worker died holding it, once its lease has run out', async () => {
    const { jobId, body } = await queuedJob('sortBy=createdAt&sortOrder=asc');
    // A worker claimed it and vanished: its lease is live, so a redelivery now must leave it alone...
    expect(await claimExportJob(t.db, jobId, 60)).toMatchObject({ status: 'running', attempts: 1 });
    const worker = workerFor(countingStore);
    const record = sqsRecord(body, { receiveCount: 2 });
    expect(await worker({ Records: [record] })).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
    // ...and once the lease has expired the next delivery takes the job and finishes it.
    await sql`update export_jobs set lease_until = now() - interval '1 second' where id = ${jobId}`.execute(t.db);
    expect(await worker({ Records: [sqsRecord(body, { messageId: record.messageId, receiveCount: 3 })] })).toEqual({ batchItemFailures: [] });
    expect(await findExportJobById(t.db, jobId)).toMatchObject({ status: 'completed', attempts: 2 });
  });

  it('marks the job failed with a plain reason after the last retry, logs the error itself, and dead-letters the message', async () => {
    const broken: ExportStore = {
      upload: async () => {
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4569'), { code: 'ECONNREFUSED' });
      },
      downloadUrl: async () => 'unused',
    };
    const brokenQueue = queueFor(broken);
    const res = await get(appWith({ queue: brokenQueue, store: broken, waitMs: 0 }), `${base()}/export?mine=true`, ws.keys.all!);
    const { exportId } = (await res.json()) as { exportId: string };
    await brokenQueue.drain();
    expect(brokenQueue.deadLetters).toEqual([{ messageId: expect.any(String), body: encodeExportMessage(exportId), receives: 4 }]);
    const job = await findExportJobById(t.db, exportId);
    expect(job).toMatchObject({ status: 'failed', attempts: 4, rowCount: null, objectKey: null });
    expect(job!.error).toBe('Attempt 4 failed: the export could not be written to storage');
    // The address stays in the log.
    expect(deliveries.filter((d) => d.jobId === exportId && d.message === 'export run failed').map((d) => d.error)).toEqual(
      Array(4).fill('Error: connect ECONNREFUSED 127.0.0.1:4569'),
    );
    const status = (await (await get(app, `${base()}/exports/${exportId}`, ws.keys.all!)).json()) as Record<string, unknown>;
    expect(status).toMatchObject({ status: 'failed', error: 'Attempt 4 failed: the export could not be written to storage', downloadUrl: null });
    // A request that waits for a job failing meanwhile says so, as plainly.
    const failing = queueFor(broken);
    const waited = await get(appWith({ queue: failing, store: broken }), `${base()}/export?mine=false`, ws.keys.all!);
    expect(waited.status).toBe(500);
    const message = ((await waited.json()) as any).error.message as string;
    expect(message).toMatch(/failed: Attempt 4 failed: the export could not be written to storage$/);
    expect(message).not.toContain('127.0.0.1');
  });

  it('says a failed run will be retried, and keeps the queue’s own error out of a job it could not queue', async () => {
    let calls = 0;
    const flaky: ExportStore = {
      async upload(key, body, type) {
        if (++calls === 1) throw new Error('connect ECONNREFUSED 127.0.0.1:4569');
        return countingStore.upload(key, body, type);
      },
      downloadUrl: (key, options) => store.downloadUrl(key, options),
    };
    const { jobId, body } = await queuedJob('search=retried-plainly');
    expect(await workerFor(flaky)({ Records: [sqsRecord(body)] })).toMatchObject({ batchItemFailures: [{}] });
    expect(await findExportJobById(t.db, jobId)).toMatchObject({ status: 'queued', error: 'Attempt 1 failed: the export could not be written to storage; it will be retried' });

    const down: ExportQueue = {
      send: async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:4566');
      },
    };
    const res = await get(appWith({ queue: down, waitMs: 0 }), `${base()}/export?search=never-queued`, ws.keys.all!);
    expect(res.status).toBe(500);
    const error = ((await res.json()) as { error: { message: string } }).error;
    expect(error.message).toBe('The export could not be queued; try again');
    const unqueued = await t.db.selectFrom('export_jobs').select(['status', 'error']).where('workspace_id', '=', ws.workspace.id).where('error', 'like', '%could not be queued%').execute();
    expect(unqueued).toEqual([{ status: 'failed', error: 'The export could not be queued' }]);
  });

  it('fails a job whose last run died holding it, and does not share it with a new request', async () => {
    const dead = async (query: string) => {
      const { jobId } = await queuedJob(query);
      // The fourth and last delivery's worker timed out: its lease ran out, and SQS dead-lettered the message.
      await sql`update export_jobs set status = 'running', attempts = 4, lease_until = now() - interval '1 second' where id = ${jobId}`.execute(t.db);
      return jobId;
    };
    const first = await dead('isTest=true');
    const status = (await (await get(app, `${base()}/exports/${first}`, ws.keys.all!)).json()) as Record<string, unknown>;
    expect(status).toMatchObject({ status: 'failed', error: 'Attempt 4 stopped without finishing (the worker timed out or crashed) and no retry is left' });

    const second = await dead('isTest=false&paused=false');
    const res = await get(appWith({ queue: recordingQueue(), waitMs: 0 }), `${base()}/export?isTest=false&paused=false`, ws.keys.all!);
    const { exportId } = (await res.json()) as { exportId: string };
    expect(exportId).not.toBe(second);
    expect(await findExportJobById(t.db, second)).toMatchObject({ status: 'failed' });
    expect(await findExportJobById(t.db, exportId)).toMatchObject({ status: 'queued', attempts: 0 });
  });

  it('redelivers a message that found its job held only once the lease has run out, and then takes the job over', async () => {
    const lease = 2;
    const { jobId } = await queuedJob('search=lease-redelivery');
    // The server crashed running it and restarted within the lease: the job is running, its run gone.
    expect(await claimExportJob(t.db, jobId, lease)).toMatchObject({ status: 'running', attempts: 1 });
    const local = createInProcessExportQueue(workerFor(countingStore, lease), { maxReceives: 4, visibilityTimeoutMs: visibilityTimeoutMsFor(lease) });
    await local.send(jobId);
    await local.drain();
    expect(deliveries.filter((d) => d.jobId === jobId).map((d) => d.outcome)).toEqual(['busy', 'completed']);
    expect(local.deadLetters).toEqual([]);
    expect(await findExportJobById(t.db, jobId)).toMatchObject({ status: 'completed', attempts: 2 });
  });

  it('sends a shared job whose run died to the queue again, once, so identical requests are not parked on it', async () => {
    const query = 'search=shared-dead-job';
    const { jobId } = await queuedJob(query);
    await claimExportJob(t.db, jobId, 60);
    await sql`update export_jobs set lease_until = now() - interval '1 second' where id = ${jobId}`.execute(t.db);
    const recording = recordingQueue();
    const shared = appWith({ queue: recording, waitMs: 0 });
    const answers = await Promise.all([get(shared, `${base()}/export?${query}`, ws.keys.all!), get(shared, `${base()}/export?${query}`, ws.keys.all!)]);
    expect(await Promise.all(answers.map(async (r) => [r.status, ((await r.json()) as { exportId: string }).exportId]))).toEqual([
      [202, jobId],
      [202, jobId],
    ]);
    expect(recording.sent).toEqual([jobId]);
    expect(await findExportJobById(t.db, jobId)).toMatchObject({ status: 'queued', attempts: 1 });
    // Its run dies again; through a queue that delivers, the identical request gets that job's file.
    await claimExportJob(t.db, jobId, 60);
    await sql`update export_jobs set lease_until = now() - interval '1 second' where id = ${jobId}`.execute(t.db);
    const res = await get(app, `${base()}/export?${query}`, ws.keys.all!);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toContain(jobId);
    expect(await findExportJobById(t.db, jobId)).toMatchObject({ status: 'completed', attempts: 3 });
  });

  it('sweeps up the jobs the in-process queue has no message for: queued ones, and running ones whose run died', async () => {
    const lost = (await queuedJob('search=sweep-lost')).jobId;
    const died = (await queuedJob('search=sweep-died')).jobId;
    await claimExportJob(t.db, died, 60);
    const running = (await queuedJob('search=sweep-running')).jobId;
    await claimExportJob(t.db, running, 60);
    const diedLast = (await queuedJob('search=sweep-died-last')).jobId;
    await sql`update export_jobs set status = 'running', attempts = 4 where id = ${diedLast}`.execute(t.db);
    await sql`update export_jobs set lease_until = now() - interval '1 second' where id in (${died}, ${diedLast})`.execute(t.db);
    const pending = (await queuedJob('search=sweep-pending')).jobId;
    const mine = new Set([lost, died, running, diedLast, pending]);

    const local = createInProcessExportQueue(workerFor(countingStore), { maxReceives: 4, visibilityTimeoutMs: 10 });
    // One job has its message (a retry waiting); other tests' jobs share this database and are not the sweep's here.
    const view: InProcessExportQueue = { ...local, isPending: (id) => !mine.has(id) || id === pending || local.isPending(id) };
    const sweep = startExportSweep({ db: t.db, queue: view, services: { kinds: EXPORT_KINDS, maxReceives: 4 }, intervalMs: 3_600_000 });
    sweep.stop();
    expect((await sweep.first).sort()).toEqual([lost, died].sort());
    await local.drain();
    expect(await findExportJobById(t.db, lost)).toMatchObject({ status: 'completed', attempts: 1 });
    expect(await findExportJobById(t.db, died)).toMatchObject({ status: 'completed', attempts: 2 });
    expect(await findExportJobById(t.db, running)).toMatchObject({ status: 'running', attempts: 1 });
    expect(await findExportJobById(t.db, diedLast)).toMatchObject({ status: 'failed', attempts: 4 });
    expect(await findExportJobById(t.db, pending)).toMatchObject({ status: 'queued', attempts: 0 });
  });

  it('drops a message it cannot read rather than retrying it', async () => {
    const worker = workerFor(countingStore);
    const unreadable = sqsRecord('not json');
    expect(await worker({ Records: [sqsRecord('{"nope":1}'), unreadable] })).toEqual({ batchItemFailures: [] });
    expect(deliveries.at(-1)).toEqual({ level: 'error', message: 'export message without a job id', messageId: unreadable.messageId });
  });
});

describe('COPY with inlined parameters', () => {
  it('reads back hostile strings exactly, on every driver', async () => {
    const values = ["O'Brien; drop table chats; --", 'back\\slash \\\' quote', '$1 and $2 and ?', 'tab\tnew\nline "q"', 'Ünï 🎉'];
    const query = t.db
      .selectNoFrom((eb) => values.map((v, i) => eb.cast(eb.val(v), 'text').as(`v${i}`)))
      .compile();
    expect(query.parameters).toHaveLength(values.length);
    expect(inlineParameters(query)).not.toMatch(/\$[3-5]/);
    const copy = await t.handle.copyCsv(query);
    const chunks: Buffer[] = [];
    for await (const chunk of copy.stream) chunks.push(chunk as Buffer);
    expect(parseCsv(Buffer.concat(chunks).toString('utf8'))[1]).toEqual(values);
    expect(copy.rowCount()).toBe(1);
  });

  it('refuses what it cannot inline safely', () => {
    expect(() => inlineParameters({ sql: 'select $1', parameters: ['a\0b'] })).toThrow(/NUL/);
    expect(() => inlineParameters({ sql: 'select $1', parameters: [{ a: 1 }] })).toThrow(/object/);
    expect(inlineParameters({ sql: `select '$1', "$1", $1 -- $1\n`, parameters: [5] })).toBe(`select '$1', "$1", '5' -- $1\n`);
  });
});

describe('the S3 store against a local S3-compatible server', () => {
  let s3: Awaited<ReturnType<typeof startS3Server>>;
  let s3Store: ExportStore;
  beforeAll(async () => {
    s3 = await startS3Server('exports');
    s3Store = createS3ExportStore({ bucket: 'exports', region: 'us-east-1', endpoint: s3.endpoint, credentials: S3RVER_CREDENTIALS, partSize: 5 * 1024 * 1024 });
  });
  afterAll(async () => {
    await s3?.close();
  });

  it('streams a multipart upload and serves it through a presigned link', async () => {
    // 12 MB in 64 KB chunks of unknown total length: three parts.
    const chunk = Buffer.alloc(64 * 1024, 'abcdefghij,"\n');
    const body = Readable.from((function* () {
      for (let i = 0; i < 192; i++) yield chunk;
    })());
    await s3Store.upload('exports/big.csv', body, 'text/csv; charset=utf-8');
    const res = await fetch(await s3Store.downloadUrl('exports/big.csv', { filename: 'big.csv', expiresInSeconds: 60 }));
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.length).toBe(192 * chunk.length);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(createHash('sha256').update(Buffer.concat(Array(192).fill(chunk))).digest('hex'));
  });

  it('runs the export end to end into S3: 303 to a presigned URL that returns the CSV', async () => {
    const s3Queue = queueFor(s3Store);
    const res = await get(appWith({ queue: s3Queue, store: s3Store }), `${base()}/export?channel=whatsapp`, ws.keys.all!);
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    expect(location.startsWith(`${s3.endpoint}/exports/exports/${ws.workspace.id}/`)).toBe(true);
    expect(location).toContain('X-Amz-Signature=');
    const file = await fetch(location);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csvRecords(await file.text()).map((r) => Number(r.chat_id))).toEqual(await listIds('channel=whatsapp'));
    await s3Queue.drain();
  });

  /** What the presigned link of `key` serves: its status and bytes. */
  const download = async (key: string) => {
    const res = await fetch(await s3Store.downloadUrl(key, { filename: 'f.csv', expiresInSeconds: 60 }));
    return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
  };
  /** `bytes` as a stream of chunks of `size` (the last shorter). */
  const chunked = (bytes: Buffer, size: number) =>
    Readable.from((function* () {
      for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
    })());

  it('stores every byte in order when the part buffers are reused, with one or several parts in flight', async () => {
    // Random bytes, so a part buffer overwritten before its part went up would change the file. 23 MB:
    // four full parts of 5 MB and a short last one, in chunks that straddle the part boundaries.
    const bytes = randomBytes(23 * 1024 * 1024 + 12345);
    for (const queueSize of [1, 2]) {
      const store = createS3ExportStore({ bucket: 'exports', region: 'us-east-1', endpoint: s3.endpoint, credentials: S3RVER_CREDENTIALS, partSize: 5 * 1024 * 1024, queueSize });
      await store.upload(`exports/random-${queueSize}.bin`, chunked(bytes, 100_003), 'application/octet-stream');
      const file = await download(`exports/random-${queueSize}.bin`);
      expect(file.status).toBe(200);
      expect(file.bytes.length).toBe(bytes.length);
      expect(file.bytes.equals(bytes)).toBe(true);
    }
  });

  it('stores a file of exactly two parts, and a file smaller than one part, whole', async () => {
    const two = randomBytes(10 * 1024 * 1024);
    await s3Store.upload('exports/two.bin', chunked(two, 65_536), 'application/octet-stream');
    expect((await download('exports/two.bin')).bytes.equals(two)).toBe(true);
    const small = Buffer.from('chat_id,title\r\n1,one\r\n');
    await s3Store.upload('exports/small.csv', chunked(small, 7), 'text/csv; charset=utf-8');
    expect((await download('exports/small.csv')).bytes.equals(small)).toBe(true);
    await s3Store.upload('exports/empty.csv', Readable.from([]), 'text/csv; charset=utf-8');
    expect(await download('exports/empty.csv')).toEqual({ status: 200, bytes: Buffer.alloc(0) });
  });

  it('fails, stops reading the file and stores nothing when S3 refuses the upload', async () => {
    const store = createS3ExportStore({ bucket: 'no-such-bucket', region: 'us-east-1', endpoint: s3.endpoint, credentials: S3RVER_CREDENTIALS, partSize: 5 * 1024 * 1024 });
    let produced = 0;
    const body = new Readable({
      read() {
        produced += 1;
        this.push(produced > 1000 ? null : Buffer.alloc(64 * 1024, 'x'));
      },
    });
    await expect(store.upload('exports/refused.csv', body, 'text/csv')).rejects.toThrow();
    expect(body.destroyed).toBe(true);
    // The first part (80 chunks of 64 KB) and the next filled while S3 answered; not the whole file.
    expect(produced).toBeLessThan(1000);
  });

  it('leaves no object behind when the COPY fails midway', async () => {
    const failing = new Readable({ read() {} });
    failing.push(Buffer.alloc(1024, 'x'));
    setTimeout(() => failing.destroy(new Error('connection lost')), 20);
    await expect(s3Store.upload('exports/broken.csv', failing, 'text/csv')).rejects.toThrow();
    const res = await fetch(await s3Store.downloadUrl('exports/broken.csv', { filename: 'b.csv', expiresInSeconds: 60 }));
    expect(res.status).toBe(404);
  });
});

describe('the SQS queue adapter', () => {
  it('sends the job id to the queue URL over the SQS JSON protocol', async () => {
    const received: Array<{ target: string | undefined; body: any }> = [];
    const server = createServer((req, res) => {
      let data = '';
      req.on('data', (d) => (data += d));
      req.on('end', () => {
        const body = JSON.parse(data);
        received.push({ target: req.headers['x-amz-target'] as string | undefined, body });
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ MessageId: 'm-1', MD5OfMessageBody: createHash('md5').update(body.MessageBody).digest('hex') }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const queueUrl = `${endpoint}/000000000000/ExportsQueue`;
      const sqs = createSqsExportQueue({ queueUrl, region: 'us-east-1', endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
      await sqs.send('0b8c7c52-7a59-4a8e-9b1a-6f0c2f7f5f3e');
      expect(received).toEqual([
        { target: 'AmazonSQS.SendMessage', body: { QueueUrl: queueUrl, MessageBody: encodeExportMessage('0b8c7c52-7a59-4a8e-9b1a-6f0c2f7f5f3e') } },
      ]);
    } finally {
      server.close();
    }
  });
});

describe('the OpenAPI document', () => {
  it('describes the export (303, 202, the CSV columns) and its status endpoint', async () => {
    const doc = (await (await createLocalApp({ db: () => Promise.reject(new Error('unused')) }).request('/openapi.json')).json()) as any;
    const exportOp = doc.paths['/api/v2/w/{workspace_uuid}/chats/export'].get;
    expect(Object.keys(exportOp.responses).sort()).toEqual(['202', '303', '400', '401', '403', '404', '429', '500', '503']);
    expect(exportOp.responses['303'].headers.Location).toBeDefined();
    expect(exportOp.responses['202'].headers['Retry-After']).toBeDefined();
    for (const [column] of CHAT_EXPORT_COLUMNS) expect(exportOp.description).toContain(`\`${column}\``);
    expect(exportOp.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['workspace_uuid', 'filters', 'createdAfter', 'isAnonymous', 'sortBy']));
    const status = doc.paths['/api/v2/w/{workspace_uuid}/chats/exports/{export_id}'].get;
    expect(status.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/ExportJob');
  });
});
