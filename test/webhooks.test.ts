import { afterAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { httpWebhookTransport, isPrivateAddress, recordEvent, type Resolve, type WebhookServices, type EventInput } from '@parley/core';
import { insertChat, insertWebhookDeliveries, readEvents } from '@parley/db';
import { createLocalApp } from '../packages/functions/src/local/app.js';
import { createInProcessWebhookQueue, sqsRecord } from '../packages/functions/src/local/export-queue.js';
import { createWebhookWorker } from '../packages/functions/src/workers/webhook-worker.js';
import { useTestDb } from './harness/db.js';
import { createTestWorkspace, type TestWorkspace } from './harness/workspace.js';
import { startHttpStub, type StubRequest } from './support/http-stub.js';

// Webhooks end to end: endpoints through the API, events fanned out by the dispatcher, signed deliveries
// to a local receiver verified with the `standardwebhooks` library (not Parley's own signing), retries
// against a receiver that fails on purpose, 410 and repeated failure disabling the endpoint, the
// delivery log, redelivery, secret rotation and the SSRF guard.

const t = useTestDb();
const running: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  for (const r of running) await r.close();
});

// Every app's queue: the dispatcher's place is the database's, so a test that needs its own worker to
// deliver waits for the others' to settle first.
const queues: Array<{ drain(): Promise<void> }> = [];
const settleOthers = () => Promise.all(queues.map((q) => q.drain()));

/** An app whose webhooks go through the in-process queue and the real worker, with short retries. */
function webhookApp(options: { retrySeconds?: number[]; allowPrivateNetworks?: boolean; resolve?: Resolve } = {}) {
  const services = {
    transport: httpWebhookTransport({ allowPrivateNetworks: options.allowPrivateNetworks ?? true, resolve: options.resolve }),
    retrySeconds: options.retrySeconds ?? [0.05, 0.05, 0.05],
    timeoutMs: 1000,
    leaseSeconds: 5,
    allowPrivateNetworks: options.allowPrivateNetworks ?? true,
  } as Omit<WebhookServices, 'queue'> as WebhookServices;
  const worker = createWebhookWorker({ db: async () => t.db, services, log: () => {} });
  const queue = createInProcessWebhookQueue(worker, { maxReceives: 3, visibilityTimeoutMs: 50 });
  services.queue = queue;
  queues.push(queue);
  const notifyEvents = () => queue.send([{ kind: 'dispatch' }]);
  const app = createLocalApp({ db: async () => t.db, webhooks: () => services, notifyEvents });
  return { app, queue, notifyEvents, services };
}

function caller(app: ReturnType<typeof webhookApp>['app'], ws: TestWorkspace) {
  return async (path: string, init: { method?: string; body?: unknown; key?: string } = {}) => {
    const res = await app.request(`/api/v2/w/${ws.workspace.id}${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${init.key ?? ws.keys.all}`, ...(init.body !== undefined && { 'content-type': 'application/json' }) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    return { status: res.status, body: (res.status === 204 ? null : await res.json()) as any };
  };
}

const newChat = (ws: TestWorkspace) =>
  insertChat(t.db, { workspaceId: ws.workspace.id, channelId: ws.channels.sms.id, ownerId: ws.contact.identityId, responderId: ws.agent.identityId, currentResponderId: ws.agent.identityId, responderVersionId: null, title: 'Hooked' });

const chatEvent = (ws: TestWorkspace, chat: { id: string; number: number }, n: number): EventInput => ({
  workspaceId: ws.workspace.id,
  type: 'chat.updated',
  resourceId: chat.id,
  chatId: chat.id,
  data: { chat: { id: chat.id, number: chat.number }, changes: { n } },
});

async function until<T>(check: () => Promise<T | undefined> | T | undefined, what: string, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('webhook endpoints and deliveries', () => {
  it('delivers each event signed per Standard Webhooks, verified by the standardwebhooks library, with rotation overlap', { timeout: 60_000 }, async () => {
    const receiver = await startHttpStub((_req, res) => void res.writeHead(204).end());
    running.push(receiver);
    const { app, queue, notifyEvents } = webhookApp();
    const ws = await createTestWorkspace(t.db);
    const api = caller(app, ws);
    const created = await api('/webhook-endpoints', { method: 'POST', body: { url: `${receiver.url}/hooks`, eventTypes: ['chat.updated'], description: 'Test receiver' } });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    expect(created.body).toMatchObject({ url: `${receiver.url}/hooks`, eventTypes: ['chat.updated'], enabled: true, description: 'Test receiver', disabledReason: null });
    const chat = await newChat(ws);
    await recordEvent(t.db, chatEvent(ws, chat, 1));
    await recordEvent(t.db, { ...chatEvent(ws, chat, 2), type: 'chat.removed' }); // not a type it takes
    await notifyEvents();
    const first = await until(() => receiver.requests[0], 'the first delivery');
    const verify = (secret: string, req: StubRequest) =>
      new Webhook(secret).verify(req.body, { 'webhook-id': String(req.headers['webhook-id']), 'webhook-timestamp': String(req.headers['webhook-timestamp']), 'webhook-signature': String(req.headers['webhook-signature']) }) as any;
    const payload = verify(created.body.secret, first);
    expect(payload).toMatchObject({ type: 'chat.updated', workspaceId: ws.workspace.id, resourceId: chat.id, schemaVersion: 1, data: { changes: { n: 1 } } });
    expect(first.headers['webhook-id']).toBe(payload.id);
    expect(() => new Webhook(`whsec_${Buffer.from('another secret entirely, 32 b!!').toString('base64')}`).verify(first.body, first.headers as any)).toThrow();

    // Rotation: both secrets sign while they overlap.
    const rotated = await api(`/webhook-endpoints/${created.body.id}/rotate-secret`, { method: 'POST', body: { overlapSeconds: 3600 } });
    expect(rotated.status).toBe(200);
    await recordEvent(t.db, chatEvent(ws, chat, 3));
    await notifyEvents();
    const second = await until(() => receiver.requests[1], 'the delivery after rotation');
    expect(String(second.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verify(rotated.body.secret, second).data.changes.n).toBe(3);
    expect(verify(created.body.secret, second).data.changes.n).toBe(3);
    await queue.drain();
    expect(receiver.requests).toHaveLength(2);

    // The delivery log, newest first; redelivery of one event comes with the same webhook-id.
    const log = await api(`/webhook-endpoints/${created.body.id}/deliveries`);
    expect(log.body.deliveries.map((d: any) => [d.eventType, d.status, d.attempts.map((a: any) => a.statusCode)])).toEqual([
      ['chat.updated', 'succeeded', [204]],
      ['chat.updated', 'succeeded', [204]],
    ]);
    const again = await api(`/webhook-endpoints/${created.body.id}/redeliver`, { method: 'POST', body: { eventId: payload.id } });
    expect(again).toEqual({ status: 202, body: { queued: 1, truncated: false } });
    const third = await until(() => receiver.requests[2], 'the redelivery');
    expect(third.headers['webhook-id']).toBe(payload.id);
    const since = await api(`/webhook-endpoints/${created.body.id}/redeliver`, { method: 'POST', body: { since: '2020-01-01T00:00:00Z' } });
    expect(since.body).toEqual({ queued: 2, truncated: false });
    await until(() => receiver.requests.length === 5 || undefined, 'the redeliveries since');
    expect((await api(`/webhook-endpoints/${created.body.id}/redeliver`, { method: 'POST', body: {} })).status).toBe(400);
  });

  it('retries a failing receiver with backoff, logs each attempt, and disables the endpoint when a delivery fails every attempt', { timeout: 60_000 }, async () => {
    let failures = 2;
    const receiver = await startHttpStub((_req, res) => {
      if (failures-- > 0) return void res.writeHead(503).end('try later');
      res.writeHead(200).end('ok');
    });
    running.push(receiver);
    const { app, notifyEvents, queue } = webhookApp({ retrySeconds: [0.05, 0.05, 0.05] });
    const ws = await createTestWorkspace(t.db);
    const api = caller(app, ws);
    const endpoint = (await api('/webhook-endpoints', { method: 'POST', body: { url: receiver.url } })).body;
    const chat = await newChat(ws);
    await recordEvent(t.db, chatEvent(ws, chat, 1));
    await notifyEvents();
    await until(async () => (await api(`/webhook-endpoints/${endpoint.id}/deliveries`)).body.deliveries[0]?.status === 'succeeded' || undefined, 'the delivery to succeed');
    const [delivery] = (await api(`/webhook-endpoints/${endpoint.id}/deliveries`)).body.deliveries;
    expect(delivery.attempts.map((a: any) => [a.attempt, a.statusCode, a.responseExcerpt])).toEqual([[1, 503, 'try later'], [2, 503, 'try later'], [3, 200, 'ok']]);
    expect(receiver.requests.map((r) => r.headers['webhook-id'])).toEqual(Array(3).fill(receiver.requests[0]!.headers['webhook-id']));

    // Now it fails for good: every attempt of a delivery (1 + 3 retries), then it is disabled, with an event.
    failures = 1000;
    await recordEvent(t.db, chatEvent(ws, chat, 2));
    await notifyEvents();
    const disabled = await until(async () => {
      const current = (await api(`/webhook-endpoints/${endpoint.id}`)).body;
      return current.enabled ? undefined : current;
    }, 'the endpoint to be disabled');
    expect(disabled.disabledReason).toBe('failing');
    await queue.drain();
    const feed = await api('/events?types=webhook_endpoint.disabled');
    expect(feed.body.events.map((e: any) => e.data)).toEqual([{ endpoint: { id: endpoint.id, url: endpoint.url }, reason: 'failing' }]);
    const failed = (await api(`/webhook-endpoints/${endpoint.id}/deliveries`)).body.deliveries[0];
    expect(failed).toMatchObject({ status: 'failed', nextAttemptAt: null });
    expect(failed.attempts).toHaveLength(4);
    // Disabled: new events are not sent to it, and redelivery asks to enable it first.
    expect((await api(`/webhook-endpoints/${endpoint.id}/redeliver`, { method: 'POST', body: { since: '2020-01-01T00:00:00Z' } })).status).toBe(409);
    const enabled = await api(`/webhook-endpoints/${endpoint.id}`, { method: 'PATCH', body: { enabled: true } });
    expect(enabled.body).toMatchObject({ enabled: true, disabledReason: null });
  });

  it('disables an endpoint that answers 410 Gone at once', { timeout: 30_000 }, async () => {
    const receiver = await startHttpStub((_req, res) => void res.writeHead(410).end());
    running.push(receiver);
    const { app, notifyEvents } = webhookApp();
    const ws = await createTestWorkspace(t.db);
    const api = caller(app, ws);
    const endpoint = (await api('/webhook-endpoints', { method: 'POST', body: { url: receiver.url } })).body;
    await recordEvent(t.db, chatEvent(ws, await newChat(ws), 1));
    await notifyEvents();
    const current = await until(async () => {
      const e = (await api(`/webhook-endpoints/${endpoint.id}`)).body;
      return e.enabled ? undefined : e;
    }, 'the endpoint to be disabled');
    expect(current.disabledReason).toBe('gone');
    expect(receiver.requests).toHaveLength(1);
  });

  it('attempts a batch of deliveries together: each settled on its own, a failing endpoint holding back none of the others', { timeout: 30_000 }, async () => {
    const receiver = await startHttpStub((req, res) => void res.writeHead(req.url.startsWith('/bad') ? 500 : 204).end());
    running.push(receiver);
    const { app, services } = webhookApp({ retrySeconds: [60] });
    const ws = await createTestWorkspace(t.db);
    const api = caller(app, ws);
    // For a type these events are not, so that no dispatcher fans them out: the test makes their deliveries itself.
    const good = (await api('/webhook-endpoints', { method: 'POST', body: { url: `${receiver.url}/good`, eventTypes: ['chat.removed'] } })).body;
    const bad = (await api('/webhook-endpoints', { method: 'POST', body: { url: `${receiver.url}/bad`, eventTypes: ['chat.removed'] } })).body;
    const chat = await newChat(ws);
    for (let n = 1; n <= 3; n++) await recordEvent(t.db, chatEvent(ws, chat, n));
    const events = await readEvents(t.db, { workspaceId: ws.workspace.id, after: { seen: null }, types: ['chat.updated'], limit: 10 });
    const ids = await insertWebhookDeliveries(t.db, events.events.flatMap((e) => [good, bad].map((ep) => ({ workspaceId: ws.workspace.id, endpointId: ep.id, eventId: e.id }))));
    expect(ids).toHaveLength(6);

    // One SQS event with every delivery (and one of them twice, as a redelivered message would be).
    const worker = createWebhookWorker({ db: async () => t.db, services: { ...services, queue: { send: async () => {} } }, log: () => {} });
    const records = [...ids, ids[0]!].map((deliveryId) => sqsRecord(JSON.stringify({ kind: 'deliver', deliveryId }), { queue: 'WebhooksQueue' }));
    expect(await worker({ Records: records })).toEqual({ batchItemFailures: [] });
    expect(receiver.requests).toHaveLength(6);

    const logOf = async (endpoint: { id: string }) => (await api(`/webhook-endpoints/${endpoint.id}/deliveries`)).body.deliveries;
    const delivered = await logOf(good);
    expect(delivered.map((d: any) => [d.status, d.attempts.map((a: any) => a.statusCode)])).toEqual(Array(3).fill(['succeeded', [204]]));
    const retried = await logOf(bad);
    expect(retried.map((d: any) => [d.status, d.attempts.map((a: any) => a.statusCode)])).toEqual(Array(3).fill(['pending', [500]]));
    // Done deliveries are skipped when their messages come again.
    expect(await worker({ Records: records.slice(0, 1) })).toEqual({ batchItemFailures: [] });
    expect(receiver.requests).toHaveLength(6);
  });

  it('manages endpoints with chats:admin only, 404 for unknown ids, and validates bodies', async () => {
    const { app } = webhookApp();
    const ws = await createTestWorkspace(t.db);
    const api = caller(app, ws);
    expect((await api('/webhook-endpoints', { key: ws.keys.write })).status).toBe(403);
    const created = (await api('/webhook-endpoints', { method: 'POST', body: { url: 'https://hooks.example.test/a' } })).body;
    expect((await api('/webhook-endpoints')).body.endpoints.map((e: any) => e.id)).toEqual([created.id]);
    expect((await api('/webhook-endpoints')).body.endpoints[0].secret).toBeUndefined();
    expect((await api(`/webhook-endpoints/${created.id}`, { method: 'PATCH', body: { eventTypes: ['message.created'], description: 'Messages' } })).body).toMatchObject({ eventTypes: ['message.created'], description: 'Messages' });
    for (const body of [{ url: 'ftp://x.test' }, { url: 'https://user:pw@x.test' }, { url: 'https://x.test', eventTypes: ['nope'] }, { url: 'https://x.test', extra: 1 }]) {
      expect((await api('/webhook-endpoints', { method: 'POST', body })).status, JSON.stringify(body)).toBe(400);
    }
    expect((await api(`/webhook-endpoints/${created.id}`, { method: 'PATCH', body: {} })).status).toBe(400);
    expect((await api('/webhook-endpoints/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    const other = await createTestWorkspace(t.db);
    expect((await caller(app, other)(`/webhook-endpoints/${created.id}`)).status).toBe(404);
    expect((await api(`/webhook-endpoints/${created.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/webhook-endpoints/${created.id}`)).status).toBe(404);
  });
});

describe('the webhook transport', () => {
  it('gives up on a receiver that keeps trickling bytes once the whole exchange passes its deadline', { timeout: 20_000 }, async () => {
    let ticker: NodeJS.Timeout | undefined;
    const receiver = await startHttpStub((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      // A byte every 50 ms: the socket is never idle, so only a deadline on the exchange ends it.
      ticker = setInterval(() => res.write('.'), 50);
      res.on('close', () => clearInterval(ticker));
    });
    running.push(receiver);
    const transport = httpWebhookTransport({ allowPrivateNetworks: true });
    const started = Date.now();
    const outcome = await Promise.race([
      transport({ url: `${receiver.url}/slow`, headers: {}, body: '{}', timeoutMs: 300 }).then(
        () => 'answered',
        (err: Error) => err.message,
      ),
      new Promise((r) => setTimeout(() => r('still waiting'), 10_000)),
    ]);
    clearInterval(ticker);
    expect(outcome).toBe('no answer within 300 ms');
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('the SSRF guard', () => {
  it('knows private, loopback, link-local and shared addresses from public ones', () => {
    for (const ip of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1']) {
      expect(isPrivateAddress(ip), ip).toBe(true);
    }
    for (const ip of ['8.8.8.8', '172.32.0.1', '93.184.216.34', '2606:4700::1111', '::ffff:8.8.8.8']) expect(isPrivateAddress(ip), ip).toBe(false);
  });

  it('refuses private URLs when endpoints are created, and addresses that resolve to them when delivering', { timeout: 30_000 }, async () => {
    const receiver = await startHttpStub((_req, res) => void res.writeHead(200).end());
    running.push(receiver);
    // Names resolve from a fixed table rather than the machine's DNS (outside the product, and slow
    // under load: the guard must answer, not a lookup stuck behind others).
    const resolve: Resolve = (name, _options, callback) =>
      name === 'localhost' ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' }), []);
    const { app, notifyEvents } = webhookApp({ allowPrivateNetworks: false, retrySeconds: [], resolve });
    const ws = await createTestWorkspace(t.db);
    const api = caller(app, ws);
    for (const url of [receiver.url, 'http://localhost:9/x', 'http://[::1]/x', 'http://169.254.169.254/latest/meta-data', 'http://10.0.0.8/']) {
      const res = await api('/webhook-endpoints', { method: 'POST', body: { url } });
      expect(res.status, url).toBe(400);
      expect(res.body.error.message).toContain('private');
    }
    // A name that resolves to loopback passes the create-time check and is refused after DNS resolution.
    const port = new URL(receiver.url).port;
    const endpoint = (await api('/webhook-endpoints', { method: 'POST', body: { url: `http://hooks.example.test:${port}/` } })).body;
    expect(endpoint.id).toEqual(expect.any(String));
    // As if its DNS now answered with loopback (a rebinding name): `localhost` resolves there.
    await t.db.updateTable('webhook_endpoints').set({ url: `http://localhost:${port}/` }).where('id', '=', endpoint.id).execute();
    await settleOthers();
    const transport = httpWebhookTransport({ allowPrivateNetworks: false, resolve });
    await expect(transport({ url: `http://localhost:${port}/`, headers: {}, body: '{}', timeoutMs: 1000 })).rejects.toThrow('may not reach');
    await recordEvent(t.db, chatEvent(ws, await newChat(ws), 1));
    await notifyEvents();
    const delivery = await until(async () => (await api(`/webhook-endpoints/${endpoint.id}/deliveries`)).body.deliveries[0]?.attempts[0], 'an attempt');
    expect(delivery.statusCode).toBeNull();
    expect(delivery.error).toContain('may not reach');
    expect(receiver.requests).toEqual([]);
  });
});
