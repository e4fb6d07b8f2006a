import { createServer, type IncomingMessage, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { httpWebhookTransport, WEBHOOK_DELIVERY, type WebhookServices } from '@parley/core';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { createDb } from '@parley/db';
import { createLocalApp } from '../../../packages/functions/src/local/app.js';
import { createInProcessWebhookQueue, visibilityTimeoutMsFor } from '../../../packages/functions/src/local/export-queue.js';
import { createWebhookWorker } from '../../../packages/functions/src/workers/webhook-worker.js';
import type { Figures } from '../measure.js';
import { type BenchContext, type BenchRow, type BenchScenario, clean } from '../scenario.js';

// Events: messages recorded through the API at full speed, first with no webhook endpoint and nobody
// reading the changefeed, then with one endpoint (a local receiver) and one changefeed reader (long
// polls), on the same server in the same run. The row's `http` is the writes with events delivered,
// `direct` the writes without. Delivery latency runs from the event's time (the database's now() in the
// writing transaction, so it also counts the rest of that transaction) to the moment the receiver or
// the reader has the event.

const CHATS = 400;
const SPREAD = fileURLToPath(new URL('../spread-requests.cjs', import.meta.url));

/** Messages POSTed across `paths` (one chat each, so writers rarely wait for one chat's row lock). */
async function writeMessages(base: string, paths: string[], ctx: BenchContext): Promise<Figures> {
  const result = await autocannon({
    url: base,
    connections: ctx.concurrency,
    duration: ctx.seconds,
    headers: { ...ctx.headers, 'content-type': 'application/json' },
    requests: paths.map((path) => ({ method: 'POST', path, body: JSON.stringify({ role: 'user', content: 'Where is my order? (bench)' }) })),
    workers: 1,
    // @ts-expect-error -- with worker threads autocannon takes the file of a function, not a function
    setupClient: SPREAD,
  });
  return { requests: result.requests.total, perSecond: result.requests.total / ctx.seconds, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

/** The webhook receiver: 204 for every delivery, the latency of each `message.created` kept by event id. */
async function startReceiver(): Promise<{ server: Server; url: string; latencies: Map<string, number> }> {
  const latencies = new Map<string, number>();
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const received = Date.now();
    try {
      const event = JSON.parse(body) as { id: string; type: string; timestamp: string };
      if (event.type === 'message.created' && !latencies.has(event.id)) latencies.set(event.id, received - Date.parse(event.timestamp));
    } catch {
      // not an event: counted as nothing
    }
    res.writeHead(204).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks`, latencies };
}

/** The changefeed reader: long polls from `cursor` until stopped, keeping each `message.created` latency. */
function startReader(base: string, ctx: BenchContext, cursor: string | undefined) {
  const latencies = new Map<string, number>();
  let stopped = false;
  let errors = 0;
  const done = (async () => {
    let after = cursor;
    while (!stopped) {
      const query = new URLSearchParams({ types: 'message.created', limit: '100', wait: '2', ...(after && { after }) });
      const res = await fetch(`${base}/api/v2/w/${ctx.dataset.workspaceId}/events?${query}`, { headers: ctx.headers }).catch(() => undefined);
      if (!res || res.status !== 200) {
        errors++;
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      const page = (await res.json()) as { events: Array<{ id: string; timestamp: string }>; nextCursor: string };
      const received = Date.now();
      for (const e of page.events) if (!latencies.has(e.id)) latencies.set(e.id, received - Date.parse(e.timestamp));
      after = page.nextCursor;
    }
  })();
  return { latencies, errors: () => errors, stop: async () => ((stopped = true), await done) };
}

export const eventsScenario: BenchScenario = {
  name: 'events',
  async run(ctx) {
    const { db, dataset: ds } = ctx;
    const numbers = await sql<{ number: number }>`
      select number from chats where workspace_id = ${ds.workspaceId} and not is_removed order by number desc limit ${CHATS}`.execute(db);
    const paths = numbers.rows.map((r) => `/api/v2/w/${ds.workspaceId}/chats/${r.number}/messages`);

    // The local server's wiring: the real worker and transport behind the in-process queue.
    const services = {
      transport: httpWebhookTransport({ allowPrivateNetworks: true }),
      retrySeconds: WEBHOOK_DELIVERY.retrySeconds,
      timeoutMs: 5_000,
      leaseSeconds: WEBHOOK_DELIVERY.leaseSeconds,
      allowPrivateNetworks: true,
    } as Omit<WebhookServices, 'queue'> as WebhookServices;
    // The worker has connections of its own, as the deployed worker (its own Lambda) has: deliveries do
    // not queue for a connection behind the writes.
    const workerHandle = await createDb({ driver: 'pg', url: ctx.url, maxConnections: 10 });
    const worker = createWebhookWorker({ db: async () => workerHandle.db, services, log: () => {} });
    const queue = createInProcessWebhookQueue(worker, { maxReceives: WEBHOOK_DELIVERY.maxReceives, visibilityTimeoutMs: visibilityTimeoutMsFor(WEBHOOK_DELIVERY.leaseSeconds) });
    services.queue = queue;
    const app = createLocalApp({ db: async () => db, rateLimits: () => ({ enabled: false }), webhooks: () => services, notifyEvents: () => queue.send([{ kind: 'dispatch' }]) });
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const receiver = await startReceiver();
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${base}/api/v2/w/${ds.workspaceId}${path}`, { ...init, headers: { ...ctx.headers, 'content-type': 'application/json', ...init.headers } });
    let endpointId: string | undefined;
    try {
      // Endpoints an earlier run left behind would deliver during the first phase.
      await sql`delete from webhook_endpoints where workspace_id = ${ds.workspaceId}`.execute(db);
      await writeMessages(base, paths, { ...ctx, seconds: 1 });
      const off = await writeMessages(base, paths, ctx);
      await queue.drain();

      // The changefeed from its present end, one webhook endpoint for message.created.
      let cursor: string | undefined;
      for (let end = false; !end; ) {
        const res = await api(`/events?types=message.created&limit=100${cursor ? `&after=${encodeURIComponent(cursor)}` : ''}`);
        if (res.status !== 200) throw new Error(`reading the changefeed: ${res.status} ${await res.text()}`);
        const page = (await res.json()) as { nextCursor: string; endOfStream: boolean };
        cursor = page.nextCursor;
        end = page.endOfStream;
      }
      const created = await api('/webhook-endpoints', { method: 'POST', body: JSON.stringify({ url: receiver.url, eventTypes: ['message.created'], description: 'bench receiver' }) });
      if (created.status !== 201) throw new Error(`creating the bench webhook endpoint: ${created.status} ${await created.text()}`);
      endpointId = ((await created.json()) as { id: string }).id;
      const reader = startReader(base, ctx, cursor);
      const since = new Date();
      const on = await writeMessages(base, paths, ctx);
      // What was written: autocannon counts the requests answered within the run, the log every message committed.
      const committed = async () =>
        Number((await sql<{ n: string }>`select count(*) as n from events where workspace_id = ${ds.workspaceId} and type = 'message.created' and occurred_at >= ${since}`.execute(db)).rows[0]!.n);
      let written = await committed();
      // Deliveries still in flight when the writes stop are waited for (up to 60 s) and counted.
      const deadline = Date.now() + 60_000;
      while ((receiver.latencies.size < written || reader.latencies.size < written) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        written = await committed();
      }
      await reader.stop();
      await queue.drain();

      const webhook = [...receiver.latencies.values()].sort((a, b) => a - b);
      const feed = [...reader.latencies.values()].sort((a, b) => a - b);
      const row: BenchRow = { name: 'POST .../messages: events delivered (http) vs none (direct)', http: on, direct: off };
      const ratio = off.perSecond > 0 ? on.perSecond / off.perSecond : 0;
      row.notes = [
        `writes without an endpoint or reader: ${off.perSecond.toFixed(0)} msg/s; with one webhook endpoint and one changefeed reader: ${on.perSecond.toFixed(0)} msg/s (${(ratio * 100).toFixed(1)}%)`,
        `webhook deliveries: ${webhook.length.toLocaleString('en-US')} of ${written.toLocaleString('en-US')} messages, event time to receipt p50 ${quantile(webhook, 0.5).toFixed(0)} ms, p99 ${quantile(webhook, 0.99).toFixed(0)} ms, max ${(webhook.at(-1) ?? 0).toFixed(0)} ms`,
        `changefeed reader: ${feed.length.toLocaleString('en-US')} of ${written.toLocaleString('en-US')}, event time to receipt p50 ${quantile(feed, 0.5).toFixed(0)} ms, p99 ${quantile(feed, 0.99).toFixed(0)} ms (long polls of up to 2 s, ${reader.errors()} failed reads)`,
      ];
      const everyOne = webhook.length === written && feed.length === written;
      const p99 = quantile(webhook, 0.99);
      return {
        rows: [row],
        targets: [
          { target: 'writes keep at least 85% of their throughput with a webhook endpoint and a changefeed reader', ratio, pass: clean(row) && ratio >= 0.85 },
          { target: `webhook delivery p99 under 2 s from the event's commit (${p99.toFixed(0)} ms; every message delivered and read: ${everyOne ? 'yes' : 'no'})`, ratio: p99 / 2000, pass: everyOne && p99 < 2000 },
        ],
      };
    } finally {
      if (endpointId) await api(`/webhook-endpoints/${endpointId}`, { method: 'DELETE' }).catch(() => undefined);
      server.close();
      receiver.server.close();
      await workerHandle.close();
    }
  },
};
