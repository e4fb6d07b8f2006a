import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '@parley/core';
import { backgroundFunctions, endpointGroups } from '../packages/functions/src/groups.js';
import { CORS_ALLOW_HEADERS, CORS_EXPOSE_HEADERS } from '../packages/functions/src/shared/cors-settings.js';

// Evaluates sst.config.ts with fake SST globals that record every component and call, so the
// infrastructure is checked without AWS: each endpoint group routed to one function of its own, every
// handler an existing export, the exports queue with its DLQ and a partial-response subscriber.

const root = resolve(import.meta.dirname, '..');

interface Component {
  type: string;
  name: string;
  args: Record<string, any>;
  calls: Array<{ method: string; args: any[] }>;
  instance: Record<string, any>;
}
const components: Component[] = [];

/** A fake SST component class: records its construction, and the calls to `methods`. */
function fake(type: string, attributes: (name: string) => Record<string, string>, methods: string[] = []) {
  return class {
    constructor(name: string, args: Record<string, any> = {}) {
      const component: Component = { type, name, args, calls: [], instance: this };
      components.push(component);
      Object.assign(this, attributes(name));
      for (const method of methods) {
        Object.assign(this, { [method]: (...callArgs: any[]) => void component.calls.push({ method, args: callArgs }) });
      }
    }
  };
}

const sst = {
  Secret: fake('Secret', (name) => ({ name, value: `secret:${name}` })),
  aws: {
    Bucket: fake('Bucket', (name) => ({ name: `parley-test-${name.toLowerCase()}`, arn: `arn:aws:s3:::parley-test-${name.toLowerCase()}` })),
    Queue: fake(
      'Queue',
      (name) => ({ arn: `arn:aws:sqs:us-east-1:000000000000:${name}`, url: `https://sqs.us-east-1.amazonaws.com/000000000000/${name}` }),
      ['subscribe'],
    ),
    ApiGatewayV2: fake('ApiGatewayV2', (name) => ({ url: `https://${name.toLowerCase()}.execute-api.us-east-1.amazonaws.com` }), ['route']),
    Function: fake('Function', (name) => ({ name, arn: `arn:aws:lambda:us-east-1:000000000000:function:${name}` })),
    CronV2: fake('CronV2', (name) => ({ name })),
  },
};

let config: { app(input: { stage: string }): Record<string, unknown>; run(): Promise<Record<string, unknown>> };
let outputs: Record<string, unknown>;

const corsOriginsBefore = process.env.CORS_ORIGINS;

beforeAll(async () => {
  // As deployed without CORS_ORIGINS; the CORS test below deploys with it.
  delete process.env.CORS_ORIGINS;
  Object.assign(globalThis, { $config: (definition: unknown) => definition, $app: { name: 'parley', stage: 'test' }, sst });
  // A computed specifier, so `tsc -p tsconfig.json` does not follow it into code that needs SST's types.
  const configPath = join(root, 'sst.config.ts');
  config = (await import(configPath)).default;
  outputs = await config.run();
});

afterAll(() => {
  for (const key of ['$config', '$app', 'sst']) Reflect.deleteProperty(globalThis, key);
  if (corsOriginsBefore === undefined) delete process.env.CORS_ORIGINS;
  else process.env.CORS_ORIGINS = corsOriginsBefore;
});

const ofType = (type: string) => components.filter((c) => c.type === type);
const named = (type: string, name: string) => {
  const component = components.find((c) => c.type === type && c.name === name);
  if (!component) throw new Error(`no ${type} named ${name}; declared: ${components.map((c) => `${c.type} ${c.name}`).join(', ')}`);
  return component;
};
const subscriptions = () => ofType('Queue').flatMap((queue) => queue.calls.filter((c) => c.method === 'subscribe').map((c) => ({ queue, function: c.args[0], options: c.args[1] })));

/** Every function the config declares, as `[where, FunctionArgs]`. */
function declaredFunctions(): Array<[string, Record<string, any>]> {
  return [
    ...ofType('Function').map((f): [string, Record<string, any>] => [`Function ${f.name}`, f.args]),
    ...subscriptions().map((s): [string, Record<string, any>] => [`subscriber of ${s.queue.name}`, s.function]),
    ...ofType('CronV2').map((c): [string, Record<string, any>] => [`CronV2 ${c.name}`, c.args.function]),
  ];
}

/** `path/to/file.export`, relative to the repository root: the file exists and exports that function. */
async function expectHandlerExists(handler: string) {
  const dot = handler.lastIndexOf('.');
  const file = join(root, `${handler.slice(0, dot)}.ts`);
  // Soft, so that one run lists every missing handler.
  expect.soft(existsSync(file), `${handler}: ${file} does not exist`).toBe(true);
  if (!existsSync(file)) return;
  const module = await import(file);
  expect.soft(typeof module[handler.slice(dot + 1)], `${handler}: no such exported function`).toBe('function');
}

/** An SST duration ("5 minutes", "29 seconds") in seconds. */
function seconds(duration: string): number {
  const match = /^(\d+) (second|minute|hour)s?$/.exec(duration);
  if (!match) throw new Error(`unexpected duration ${duration}`);
  return Number(match[1]) * { second: 1, minute: 60, hour: 3600 }[match[2] as 'second' | 'minute' | 'hour'];
}

describe('sst.config.ts', () => {
  it('names the app and retains resources only in production', () => {
    expect(config.app({ stage: 'production' })).toEqual({ name: 'parley', removal: 'retain', home: 'aws' });
    expect(config.app({ stage: 'dev' })).toMatchObject({ name: 'parley', removal: 'remove', home: 'aws' });
  });

  it('returns the API URL, the bucket name and the queue URL', () => {
    expect(outputs).toEqual({
      api: ofType('ApiGatewayV2')[0]?.instance.url,
      exportsBucket: ofType('Bucket')[0]?.instance.name,
      exportsQueue: named('Queue', 'ExportsQueue').instance.url,
      webhooksQueue: named('Queue', 'WebhooksQueue').instance.url,
    });
  });

  it('gives linkable components unique names, as SST requires', () => {
    const names = components.map((c) => c.name.toLowerCase());
    expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);
    expect(names).not.toContain('app');
  });

  it('routes every route of every endpoint group to that group’s single function', () => {
    const [api, ...others] = ofType('ApiGatewayV2');
    expect(api).toBeDefined();
    expect(others).toEqual([]);
    const routes = api!.calls.filter((c) => c.method === 'route');
    const functions = ofType('Function');
    expect(functions).toHaveLength(endpointGroups.length);
    for (const group of endpointGroups) {
      const groupFunctions = functions.filter((f) => f.args.handler === group.handler);
      expect(groupFunctions, group.name).toHaveLength(1);
      const arn = groupFunctions[0]!.instance.arn;
      expect(routes.filter((r) => r.args[1] === arn).map((r) => r.args[0]).sort(), group.name).toEqual([...group.routes].sort());
    }
    const keys = routes.map((r) => r.args[0]);
    expect(keys).toHaveLength(new Set(keys).size);
    expect(keys).toHaveLength(endpointGroups.flatMap((g) => g.routes).length);
  });

  it('links the group functions to the database, the provider settings, the bucket and the queue, on the Neon driver', () => {
    expect(ofType('Secret').map((s) => s.name)).toEqual(['DatabaseUrl', 'ChatProviders']);
    const linked = [named('Secret', 'DatabaseUrl'), named('Secret', 'ChatProviders'), ofType('Bucket')[0], named('Queue', 'ExportsQueue'), named('Queue', 'WebhooksQueue')].map((c) => c?.instance);
    for (const fn of ofType('Function')) {
      expect(fn.args.link, fn.name).toHaveLength(linked.length);
      for (const component of linked) expect(fn.args.link, fn.name).toContain(component);
      expect(fn.args.environment, fn.name).toEqual({ DATABASE_DRIVER: 'neon', CORS_ORIGINS: 'none' });
      expect(seconds(fn.args.timeout), fn.name).toBeLessThan(30);
    }
  });

  it('declares the exports queue with its dead-letter queue and a partial-response subscriber', () => {
    const queue = named('Queue', 'ExportsQueue');
    const deadLetter = named('Queue', 'ExportsDeadLetter');
    expect(queue.args.dlq).toEqual({ queue: deadLetter.instance.arn, retry: backgroundFunctions.exportWorker.delivery.maxReceives });
    expect(deadLetter.calls).toEqual([]);
    const subscribed = subscriptions().filter((s) => s.queue.name === 'ExportsQueue');
    expect(subscriptions().map((s) => s.queue.name).sort()).toEqual(['ExportsQueue', 'WebhooksQueue']);
    const [{ function: worker, options }] = subscribed as [(typeof subscribed)[number]];
    expect(worker.handler).toBe('packages/functions/src/workers/export-worker.handler');
    expect(options).toEqual({ batch: { size: 1, partialResponses: true } });
    expect(worker.link).toEqual(expect.arrayContaining([named('Secret', 'DatabaseUrl').instance, ofType('Bucket')[0]?.instance]));
    // Lambda rejects an SQS trigger whose queue hides messages for less time than the function may run.
    expect(seconds(queue.args.visibilityTimeout)).toBeGreaterThanOrEqual(seconds(worker.timeout));
  });

  it('gives the exports queue, its worker and the configuration one retry budget and lease', () => {
    const queue = named('Queue', 'ExportsQueue');
    const [{ function: worker }] = subscriptions().filter((s) => s.queue.name === 'ExportsQueue') as [ReturnType<typeof subscriptions>[number]];
    // SST writes `dlq.retry` as the redrive policy's maxReceiveCount (sst/sst platform/src/components/aws/queue.ts):
    // the receive with that count is the last, and the worker must know it to record the job's failure.
    const maxReceiveCount = queue.args.dlq.retry;
    expect(worker.environment?.EXPORT_MAX_RECEIVES).toBe(String(maxReceiveCount));
    const lease = Number(worker.environment?.EXPORT_LEASE_SECONDS);
    expect(lease).toBeGreaterThanOrEqual(seconds(worker.timeout));
    // A message reported busy comes back only once the lease of the run that held its job has run out.
    expect(seconds(queue.args.visibilityTimeout)).toBeGreaterThan(lease);
    expect(seconds(queue.args.visibilityTimeout)).toBeGreaterThan(seconds(worker.timeout));
    // The API functions settle abandoned jobs with the configuration's defaults: the same numbers.
    expect(parseConfig({}).exports).toMatchObject({ maxReceives: maxReceiveCount, leaseSeconds: lease });
  });

  it('declares the webhooks queue with its dead-letter queue, a partial-response worker and the sweep, from one set of numbers', () => {
    const queue = named('Queue', 'WebhooksQueue');
    const deadLetter = named('Queue', 'WebhooksDeadLetter');
    const { delivery } = backgroundFunctions.webhookWorker;
    expect(queue.args.dlq).toEqual({ queue: deadLetter.instance.arn, retry: delivery.maxReceives });
    expect(deadLetter.calls).toEqual([]);
    const [{ function: worker, options }] = subscriptions().filter((s) => s.queue.name === 'WebhooksQueue') as [ReturnType<typeof subscriptions>[number]];
    expect(worker.handler).toBe(backgroundFunctions.webhookWorker.handler);
    expect(options).toEqual({ batch: { size: 10, partialResponses: true } });
    expect(worker.link).toEqual(expect.arrayContaining([named('Secret', 'DatabaseUrl').instance, queue.instance]));
    expect(seconds(queue.args.visibilityTimeout)).toBeGreaterThan(seconds(worker.timeout));
    // A batch of attempts, each within the endpoint timeout and its lease, fits the worker's run.
    expect(delivery.leaseSeconds).toBeGreaterThan(delivery.timeoutSeconds);
    expect(parseConfig({}).webhooks.timeoutMs).toBe(delivery.timeoutSeconds * 1000);
    const sweep = named('CronV2', 'WebhookSweep');
    expect(sweep.args.schedule).toBe('rate(1 minute)');
    expect(sweep.args.function.handler).toBe(backgroundFunctions.webhookSweep.handler);
    expect(sweep.args.function.link).toEqual(expect.arrayContaining([queue.instance]));
  });

  it('schedules the stats rollup', () => {
    const cron = named('CronV2', 'StatsRollup');
    expect(cron?.args.schedule).toBe('rate(15 minutes)');
    expect(cron?.args.function.handler).toBe(backgroundFunctions.statsRollup.handler);
    expect(cron?.args.function.link).toEqual([named('Secret', 'DatabaseUrl').instance]);
  });

  it('runs every function on nodejs22.x', () => {
    const functions = declaredFunctions();
    expect(functions.length).toBe(endpointGroups.length + 4);
    for (const [where, args] of functions) expect(args.runtime, where).toBe('nodejs22.x');
  });

  it('points every handler at an existing export', async () => {
    for (const [, args] of declaredFunctions()) await expectHandlerExists(args.handler);
  });

  it('turns API Gateway CORS off without CORS_ORIGINS (SST would allow every origin), and on from the same setting the functions get', async () => {
    expect(ofType('ApiGatewayV2')[0]!.args.cors).toBe(false);
    // Deployed again with origins configured: a fresh evaluation of the config.
    components.length = 0;
    vi.resetModules();
    process.env.CORS_ORIGINS = 'https://app.example.com, https://admin.example.com/';
    await (await import(join(root, 'sst.config.ts'))).default.run();
    const [api] = ofType('ApiGatewayV2');
    expect(api!.args.cors).toEqual({
      allowOrigins: ['https://app.example.com', 'https://admin.example.com'],
      allowMethods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
      allowHeaders: CORS_ALLOW_HEADERS,
      exposeHeaders: CORS_EXPOSE_HEADERS,
      maxAge: '86400 seconds',
    });
    for (const fn of ofType('Function')) expect(fn.args.environment.CORS_ORIGINS, fn.name).toBe('https://app.example.com,https://admin.example.com');
    process.env.CORS_ORIGINS = 'app.example.com';
    components.length = 0;
    vi.resetModules();
    await expect(import(join(root, 'sst.config.ts')).then((m) => m.default.run())).rejects.toThrow(/not an origin/);
  });
});
