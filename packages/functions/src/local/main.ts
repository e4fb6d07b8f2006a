import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { AppError, config, ConfigError, databaseFiles, databaseOptions, httpWebhookTransport, lazyDatabase, migrateToLatest, sweepWebhookDeliveries, WEBHOOK_DELIVERY, type WebhookServices } from '@parley/core';
import { createOutboxEmail, createOutboxSms, createProviders } from '@parley/core/providers';
import { findBusiestAssistant, findOldestWorkspace } from '@parley/db';
import { parseCommandLine, type Tool, UsageError } from '../cli/command-line.js';
import { exportServicesFor, exportStoreFor, exportWorkerSettingsFor, isLocalExportStore, sqsExportQueueFor } from '../shared/export-adapters.js';
import { prometheusRegistry } from '../shared/metrics.js';
import { jsonLines, prettyLines } from '../shared/request-log.js';
import { createExportWorker } from '../workers/export-worker.js';
import { createWebhookWorker } from '../workers/webhook-worker.js';
import { runRollup } from '../workers/stats-rollup.js';
import { createLocalApp } from './app.js';
import { ensureDemoApiKey, grantDemoKeyEveryScope, seedDemoTools, seedDemoWorkspace } from './demo.js';
import { adoptLegacyDemoKey } from './demo-key.js';
import { createInProcessExportQueue, createInProcessWebhookQueue, visibilityTimeoutMsFor } from './export-queue.js';
import { startExportSweep } from './export-sweep.js';
import { claimEmbeddedDatabase, DatabaseBusyError } from './open-database.js';
import { assertPortFree, PortBusyError } from './port.js';
import { serveLocal } from './server.js';
import { serveDatabaseSocket } from './socket.js';

// A minute locally, so new messages reach the statistics soon; the deployed cron runs every 15 minutes.
const ROLLUP_INTERVAL_MS = 60_000;

// `npm start`: the whole API in one process on the embedded database (or DATABASE_URL's server).

const tool: Tool = {
  run: 'npm start',
  description: [
    'Runs the whole API on http://localhost:$PORT (default 3000), on the embedded database under DATA_DIR',
    "(default .data) or on DATABASE_URL's, with a demo workspace on first start and its key printed.",
    'Settings are environment variables: see README.md and docs/configuration.md.',
  ].join('\n'),
  notes: [
    'While it runs on the embedded database it alone opens it: `npm run keys`, `npm run stats` and',
    '`npm run migrate` go through it (its socket is in the database folder), and a second `npm start` on',
    'the same DATA_DIR stops with a message.',
  ],
};

async function main() {
  parseCommandLine(tool);
  const cfg = config();
  const files = databaseFiles(cfg);
  mkdirSync(files.home, { recursive: true });
  // One process opens the embedded database: this one, while it runs; the tools come through its socket.
  const lock = cfg.databaseDriver === 'pglite' ? claimEmbeddedDatabase(files) : undefined;
  await assertPortFree(cfg.port, '127.0.0.1');
  const database = lazyDatabase(() => databaseOptions(cfg));
  const db = await database.db();
  const socket = lock ? await serveDatabaseSocket(await database.handle(), files.home) : undefined;
  if (socket) lock!.update({ socket: socket.dir });
  await migrateToLatest(db);

  // The demo key is printed at every start, so it is kept (locally only) in the database's folder.
  const keyFile = files.demoKey;
  await adoptLegacyDemoKey(db, files);
  const seeded = await seedDemoWorkspace(db, { apiKey: cfg.demoApiKey, log: console.log });
  if (seeded) writeFileSync(keyFile, `${seeded.apiKey}\n`, { mode: 0o600 });
  else if (cfg.demoApiKey) await ensureDemoApiKey(db, cfg.demoApiKey);
  const apiKey = cfg.demoApiKey ?? (existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : undefined);
  if (apiKey) await grantDemoKeyEveryScope(db, apiKey);

  // Request lines, for a terminal unless LOG_FORMAT=json or the output goes elsewhere; the metrics of the
  // requests, the export worker and the rollup in one registry, at GET /metrics.
  const log = (cfg.logFormat ?? (process.stdout.isTTY ? 'pretty' : 'json')) === 'pretty' ? prettyLines() : jsonLines;
  const metrics = prometheusRegistry();

  // The statistics rollup the cron runs in production, here on a timer; the first run folds in the demo.
  const rollup = () => runRollup(db, { dueAt: new Date(), metrics, log }).catch((err: unknown) => console.error('stats rollup failed:', err));
  if (!seeded) await rollup();
  const rollupTimer = setInterval(() => void rollup(), ROLLUP_INTERVAL_MS);
  rollupTimer.unref();

  const workspaceId = seeded?.workspaceId ?? (await findOldestWorkspace(db))?.id ?? '<workspace id>';
  const chatbotId = (await findBusiestAssistant(db, workspaceId).catch(() => undefined)) ?? '<assistant id>';
  const month = { from: new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10), to: new Date().toISOString().slice(0, 10) };
  // SMS and email left in the outbox are printed here as they are queued.
  const providers = createProviders(cfg.providers);
  // Exports: the same worker as the Lambda subscriber, fed by an in-process queue unless a queue URL is
  // configured; files in DATA_DIR/exports behind signed links unless a bucket is.
  const exportStore = exportStoreFor(cfg.exports);
  const worker = createExportWorker({ handle: database.handle, ...exportWorkerSettingsFor(cfg.exports, exportStore), metrics, log });
  const sqsQueue = sqsExportQueueFor(cfg.exports);
  const inProcess = sqsQueue ? undefined : createInProcessExportQueue(worker, { maxReceives: cfg.exports.maxReceives, visibilityTimeoutMs: visibilityTimeoutMsFor(cfg.exports.leaseSeconds) });
  const exportServices = exportServicesFor(cfg.exports, { queue: sqsQueue ?? inProcess!, store: exportStore, publicUrl: cfg.publicUrl });
  const exportSweep = inProcess ? startExportSweep({ db, queue: inProcess, services: exportServices }) : undefined;
  await exportSweep?.first;

  // Webhooks: the same worker as the Lambda subscriber, fed by the in-process queue unless a queue URL is
  // configured; the sweep (a timer here, a schedule deployed) sends deliveries no message will bring.
  const webhookServices = {
    transport: httpWebhookTransport({ allowPrivateNetworks: cfg.webhooks.allowPrivateNetworks }),
    retrySeconds: WEBHOOK_DELIVERY.retrySeconds,
    timeoutMs: cfg.webhooks.timeoutMs,
    leaseSeconds: WEBHOOK_DELIVERY.leaseSeconds,
    allowPrivateNetworks: cfg.webhooks.allowPrivateNetworks,
  } as Omit<WebhookServices, 'queue'> as WebhookServices;
  const webhookWorker = createWebhookWorker({ db: database.db, services: webhookServices, log });
  webhookServices.queue = cfg.webhooks.queueUrl
    ? (await import('@parley/core/aws')).createSqsWebhookQueue({ queueUrl: cfg.webhooks.queueUrl, region: cfg.webhooks.region, endpoint: cfg.webhooks.sqsEndpoint })
    : createInProcessWebhookQueue(webhookWorker, { maxReceives: WEBHOOK_DELIVERY.maxReceives, visibilityTimeoutMs: visibilityTimeoutMsFor(WEBHOOK_DELIVERY.leaseSeconds) });
  const notifyEvents = () => webhookServices.queue.send([{ kind: 'dispatch' }]);
  const webhookSweep = setInterval(() => {
    void notifyEvents();
    sweepWebhookDeliveries(db, webhookServices.queue).catch((err: unknown) => console.error(JSON.stringify({ level: 'error', message: 'webhook sweep failed', error: String(err) })));
  }, 10_000);
  webhookSweep.unref();

  const app = createLocalApp(
    { db: database.db, providers: () => providers, exports: () => exportServices, webhooks: () => webhookServices, notifyEvents },
    // Any origin by default here: a browser app in development calls from its own port.
    { log, metrics, cors: cfg.corsOrigins ?? '*', localExportStore: isLocalExportStore(exportStore) ? exportStore : undefined, demoTools: true },
  );
  const started = async (port: number) => {
    lock?.update({ port });
    const base = `http://localhost:${port}`;
    // Links name PUBLIC_URL, else the port this server listens on (PORT may be 0: any free port).
    exportServices.publicUrl ??= base;
    if (seeded) {
      // The demo's tools call back to this server, so they are seeded once it listens; the demo's
      // contacts are made up, so its assistant messages stay in the outbox whatever delivers the rest.
      // A failure here leaves the demo without its tools, not the server down.
      const quiet = { ...providers, sms: createOutboxSms(() => {}), email: createOutboxEmail(() => {}) };
      await seedDemoTools(db, quiet, { apiKey: seeded.apiKey, baseUrl: base, deliverable: seeded.deliverable }).catch((err: unknown) => console.error('the demo tools could not be seeded:', err));
      await rollup();
    }
    console.log(
      [
        '',
        `Parley is running on ${cfg.databaseDriver === 'pglite' ? `the embedded database in ${files.home}/` : `${cfg.databaseDriver} (${new URL(cfg.databaseUrl!).host})`}.`,
        seeded ? `Seeded the demo workspace ${seeded.workspaceId} with ${seeded.chats} chats.` : '',
        `  Base URL:  ${base}`,
        `  Docs:      ${base}/docs   (OpenAPI: ${base}/openapi.json)`,
        `  Delivery:  SMS via ${cfg.providers.sms.kind}, email via ${cfg.providers.email.kind}, summaries by ${cfg.providers.summarizer.kind}`,
        apiKey ? `  API key:   ${apiKey}   (every scope)` : '  API key:   create one with npm run keys -- create --workspace <id> --scopes chats:read',
        '',
        'Try it:',
        `  curl -H "Authorization: Bearer ${apiKey ?? '<key>'}" "${base}/api/v1/chats/details?pageSize=3"`,
        `  curl -H "Authorization: Bearer ${apiKey ?? '<key>'}" "${base}/api/v2/w/${workspaceId}/chats?needsResponse=true&pageSize=3"`,
        `  curl -H "Authorization: Bearer ${apiKey ?? '<key>'}" "${base}/v1/chatbots/${chatbotId}/statistics/reports/overview?from=${month.from}T00:00:00Z&to=${month.to}T23:59:59Z&interval=86400&components=1,7,10"`,
        '',
      ]
        .filter((l, i, all) => l !== '' || all[i - 1] !== '')
        .join('\n'),
    );
  };
  const server = serveLocal({ fetch: app.fetch, port: cfg.port, hostname: '127.0.0.1' }, (info) => void started(info.port));

  const stop = async () => {
    clearInterval(rollupTimer);
    clearInterval(webhookSweep);
    exportSweep?.stop();
    server.close();
    await socket?.close();
    await database.close();
    lock?.release();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  const oneLine = err instanceof ConfigError || err instanceof AppError || err instanceof DatabaseBusyError || err instanceof PortBusyError || err instanceof UsageError;
  console.error(oneLine ? err.message : err);
  process.exit(err instanceof UsageError ? 2 : 1);
});
