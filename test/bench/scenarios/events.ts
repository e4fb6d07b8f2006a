import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
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

// Events: messages recorded through the API at full speed, with no webhook endpoint enabled and nobody
// reading the changefeed (off), and with one endpoint (a local receiver) and one changefeed reader (long
// polls) (on), on the same server in the same run, in the order off, on, on, off. The row's `http` is the
// writes with events delivered, `direct` the writes without. As deployed, the webhook worker has its own
// compute and its own connections, and the receiver is someone else's: each runs in a thread of its own
// (both still share the machine's cores with the server and PostgreSQL). Delivery latency runs from the
// event's time (the database's now() in the writing transaction, so it also counts the rest of that
// transaction) to the moment the receiver or the reader has the event.

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

const RECEIVER = fileURLToPath(new URL('../webhook-receiver.cjs', import.meta.url));
const WORKER = fileURLToPath(new URL('../webhook-worker-thread.ts', import.meta.url));

/** The webhook receiver, in a worker thread (see the file): its URL, how many it has, and their latencies. */
async function startReceiver() {
  const thread = new Worker(RECEIVER);
  const next = () => new Promise<Record<string, unknown>>((resolve, reject) => { thread.once('message', resolve); thread.once('error', reject); });
  const { port } = (await next()) as { port: number };
  const latencies = async () => new Map(((await (thread.postMessage('collect'), next())) as { latencies: Array<[string, number]> }).latencies);
  return { url: `http://127.0.0.1:${port}/hooks`, latencies, close: () => thread.terminate() };
}

/** The changefeed reader: long polls from `cursor` while running, keeping each `message.created` latency; paused, it reads nothing. */
function startReader(base: string, ctx: BenchContext, cursor: string | undefined) {
  const latencies = new Map<string, number>();
  let stopped = false;
  let running = false;
  let errors = 0;
  let reads = 0;
  let after = cursor;
  const read = async (wait: number) => {
    if (running) reads++;
    const query = new URLSearchParams({ types: 'message.created', limit: '100', wait: String(wait), ...(after && { after }) });
    const res = await fetch(`${base}/api/v2/w/${ctx.dataset.workspaceId}/events?${query}`, { headers: ctx.headers }).catch(() => undefined);
    if (!res || res.status !== 200) {
      errors++;
      await new Promise((r) => setTimeout(r, 100));
      return { events: [], endOfStream: false };
    }
    const page = (await res.json()) as { events: Array<{ id: string; timestamp: string }>; nextCursor: string; endOfStream: boolean };
    after = page.nextCursor;
    return page;
  };
  const done = (async () => {
    while (!stopped) {
      if (!running) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const page = await read(2);
      const received = Date.now();
      for (const e of page.events) if (!latencies.has(e.id)) latencies.set(e.id, received - Date.parse(e.timestamp));
    }
  })();
  return {
    latencies,
    errors: () => errors,
    /** Reads made while running (not those that move to the feed's end). */
    reads: () => reads,
    /** Moves to the feed's present end without keeping what it passes, then reads as events come. */
    resume: async () => {
      while (!(await read(0)).endOfStream);
      running = true;
    },
    pause: () => void (running = false),
    stop: async () => ((stopped = true), await done),
  };
}

/** Several runs' figures as one: their requests and errors added, rates and medians averaged, the worst p99. */
const combine = (runs: Figures[]): Figures => ({
  requests: runs.reduce((sum, f) => sum + f.requests, 0),
  perSecond: runs.reduce((sum, f) => sum + f.perSecond, 0) / runs.length,
  p50: runs.reduce((sum, f) => sum + f.p50, 0) / runs.length,
  p99: Math.max(...runs.map((f) => f.p99)),
  errors: runs.reduce((sum, f) => sum + f.errors, 0),
});

/** How many times the scenario writes off, on, on, off; each run is a quarter of the run's seconds over this. */
const CYCLES = 2;

export const eventsScenario: BenchScenario = {
  name: 'events',
  async run(ctx) {
    const { db, dataset: ds } = ctx;
    const numbers = await sql<{ number: number }>`
      select number from chats where workspace_id = ${ds.workspaceId} and not is_removed order by number desc limit ${CHATS}`.execute(db);
    const paths = numbers.rows.map((r) => `/api/v2/w/${ds.workspaceId}/chats/${r.number}/messages`);

    // The webhook worker in a thread of its own (see the file), woken after each change as the local server wakes its own.
    const workerThread = new Worker(WORKER, { workerData: { url: ctx.url } });
    await new Promise((resolve, reject) => (workerThread.once('message', resolve), workerThread.once('error', reject)));
    const queue = {
      drain: () => new Promise<void>((resolve) => (workerThread.once('message', () => resolve()), workerThread.postMessage('drain'))),
    };
    const services = { allowPrivateNetworks: true } as WebhookServices;
    const app = createLocalApp({ db: async () => db, rateLimits: () => ({ enabled: false }), webhooks: () => services, notifyEvents: async () => workerThread.postMessage('dispatch') });
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const receiver = await startReceiver();
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${base}/api/v2/w/${ds.workspaceId}${path}`, { ...init, headers: { ...ctx.headers, 'content-type': 'application/json', ...init.headers } });
    let endpointId: string | undefined;
    try {
      // Endpoints an earlier run left behind would deliver while events are off.
      await sql`delete from webhook_endpoints where workspace_id = ${ds.workspaceId}`.execute(db);
      const created = await api('/webhook-endpoints', { method: 'POST', body: JSON.stringify({ url: receiver.url, eventTypes: ['message.created'], enabled: false, description: 'bench receiver' }) });
      if (created.status !== 201) throw new Error(`creating the bench webhook endpoint: ${created.status} ${await created.text()}`);
      endpointId = ((await created.json()) as { id: string }).id;
      const setEnabled = async (enabled: boolean) => {
        const res = await api(`/webhook-endpoints/${endpointId}`, { method: 'PATCH', body: JSON.stringify({ enabled }) });
        if (res.status !== 200) throw new Error(`${enabled ? 'enabling' : 'disabling'} the bench webhook endpoint: ${res.status} ${await res.text()}`);
      };
      const reader = startReader(base, ctx, undefined);
      await writeMessages(base, paths, { ...ctx, seconds: 2 });
      await queue.drain();

      // Off, on, on, off, CYCLES times, each run a share of the run's seconds (each side gets them all): the
      // server warms up and the tables grow as the runs go on, by more early than late, and repeating this
      // order gives both sides the same share of early and late.
      const share = { ...ctx, seconds: Math.max(1, ctx.seconds / (2 * CYCLES)) };
      const onWindows: Array<{ from: Date; to: Date }> = [];
      const offRun = async () => {
        const figures = await writeMessages(base, paths, share);
        await queue.drain();
        return figures;
      };
      const onRun = async () => {
        await setEnabled(true);
        await reader.resume();
        const from = new Date();
        const figures = await writeMessages(base, paths, share);
        onWindows.push({ from, to: new Date() });
        await catchUp();
        reader.pause();
        await setEnabled(false);
        await queue.drain();
        return figures;
      };
      // What was written while events were on: autocannon counts the requests answered within a run, the log every message committed.
      const writtenIds = async () => {
        const ids = new Set<string>();
        for (const w of onWindows) {
          const { rows } = await sql<{ id: string }>`
            select id from events where workspace_id = ${ds.workspaceId} and type = 'message.created' and occurred_at >= ${w.from} and occurred_at <= ${w.to}`.execute(db);
          for (const r of rows) ids.add(r.id);
        }
        return ids;
      };
      // Deliveries still in flight when the writes stop are waited for (up to 60 s) and counted.
      const catchUp = async () => {
        const deadline = Date.now() + 60_000;
        for (;;) {
          const ids = await writtenIds();
          const delivered = await receiver.latencies();
          const missing = [...ids].some((id) => !delivered.has(id) || !reader.latencies.has(id));
          if (!missing || Date.now() > deadline) return;
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      const offs: Figures[] = [];
      const ons: Figures[] = [];
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        offs.push(await offRun());
        ons.push(await onRun(), await onRun());
        offs.push(await offRun());
      }
      const off = combine(offs);
      const on = combine(ons);
      await reader.stop();

      const ids = await writtenIds();
      const written = ids.size;
      const delivered = await receiver.latencies();
      const webhook = [...ids].flatMap((id) => (delivered.has(id) ? [delivered.get(id)!] : [])).sort((a, b) => a - b);
      const feed = [...ids].flatMap((id) => (reader.latencies.has(id) ? [reader.latencies.get(id)!] : [])).sort((a, b) => a - b);
      const row: BenchRow = { name: 'POST .../messages: events delivered (http) vs none (direct)', http: on, direct: off };
      const ratio = off.perSecond > 0 ? on.perSecond / off.perSecond : 0;
      row.notes = [
        `writes without an endpoint or reader: ${off.perSecond.toFixed(0)} msg/s; with one webhook endpoint and one changefeed reader: ${on.perSecond.toFixed(0)} msg/s (${(ratio * 100).toFixed(1)}%)`,
        `webhook deliveries: ${webhook.length.toLocaleString('en-US')} of ${written.toLocaleString('en-US')} messages, event time to receipt p50 ${quantile(webhook, 0.5).toFixed(0)} ms, p99 ${quantile(webhook, 0.99).toFixed(0)} ms, max ${(webhook.at(-1) ?? 0).toFixed(0)} ms`,
        `changefeed reader: ${feed.length.toLocaleString('en-US')} of ${written.toLocaleString('en-US')}, event time to receipt p50 ${quantile(feed, 0.5).toFixed(0)} ms, p99 ${quantile(feed, 0.99).toFixed(0)} ms (long polls of up to 2 s: ${reader.reads().toLocaleString('en-US')} reads, ${reader.errors()} failed)`,
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
      await receiver.close();
      await new Promise((resolve) => (workerThread.once('exit', resolve), workerThread.postMessage('close')));
    }
  },
};
