import { parentPort, workerData } from 'node:worker_threads';
import { httpWebhookTransport, WEBHOOK_DELIVERY, type WebhookServices } from '@parley/core';
import { createDb } from '@parley/db';
import { createInProcessWebhookQueue, visibilityTimeoutMsFor } from '../../packages/functions/src/local/export-queue.js';
import { createWebhookWorker } from '../../packages/functions/src/workers/webhook-worker.js';

// The events bench's webhook worker, in a worker thread of its own: deployed, the worker is its own
// function with its own connections and its own compute, so its deliveries do not take turns with the
// API server's event loop (they still share this machine's two cores). The local server's wiring
// otherwise: the real worker and transport behind the in-process queue. Messages from the bench:
// 'dispatch' (a change committed), 'drain' (answered with 'drained' once nothing is queued), 'close'.

const { url } = workerData as { url: string };
const services = {
  transport: httpWebhookTransport({ allowPrivateNetworks: true }),
  retrySeconds: WEBHOOK_DELIVERY.retrySeconds,
  timeoutMs: 5_000,
  leaseSeconds: WEBHOOK_DELIVERY.leaseSeconds,
  allowPrivateNetworks: true,
} as Omit<WebhookServices, 'queue'> as WebhookServices;
const handle = await createDb({ driver: 'pg', url, maxConnections: 10 });
const worker = createWebhookWorker({ db: async () => handle.db, services, log: () => {} });
const queue = createInProcessWebhookQueue(worker, { maxReceives: WEBHOOK_DELIVERY.maxReceives, visibilityTimeoutMs: visibilityTimeoutMsFor(WEBHOOK_DELIVERY.leaseSeconds) });
services.queue = queue;

parentPort!.on('message', (message: string) => {
  if (message === 'dispatch') void queue.send([{ kind: 'dispatch' }]);
  if (message === 'drain') void queue.drain().then(() => parentPort!.postMessage('drained'));
  if (message === 'close') void queue.drain().then(() => handle.close()).then(() => parentPort!.close());
});
parentPort!.postMessage('ready');
