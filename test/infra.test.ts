import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { endpointGroups } from '../packages/functions/src/groups.js';

// Evaluates sst.config.ts with fake SST globals that record what it declares, so the infrastructure
// can be checked without AWS: every endpoint group routed to its own function, handlers that exist.

const root = resolve(import.meta.dirname, '..');

interface Made {
  kind: string;
  name: string;
  args: any;
  calls: Array<{ method: string; args: any[] }>;
}
const made: Made[] = [];

function fake(kind: string, extra: (self: Made) => Record<string, unknown> = () => ({})) {
  return class {
    constructor(name: string, args: any = {}) {
      const self: Made = { kind, name, args, calls: [] };
      made.push(self);
      Object.assign(this, { name: `${name}-name`, arn: `arn:aws:${kind}:${name}`, url: `https://${name}.example`, ...extra(self) });
    }
  };
}
const recorder = (self: Made, method: string) => (...args: any[]) => {
  self.calls.push({ method, args });
};

let outputs: Record<string, unknown>;

beforeAll(async () => {
  Object.assign(globalThis, {
    $config: (config: unknown) => config,
    $app: { name: 'parley', stage: 'test' },
    aws: { s3: { BucketLifecycleConfigurationV2: fake('aws.s3.BucketLifecycleConfigurationV2') } },
    sst: {
      Secret: fake('Secret'),
      aws: {
        Bucket: fake('Bucket'),
        Queue: fake('Queue', (self) => ({ subscribe: recorder(self, 'subscribe') })),
        ApiGatewayV2: fake('ApiGatewayV2', (self) => ({ route: recorder(self, 'route') })),
        Function: fake('Function'),
        Cron: fake('Cron'),
      },
    },
  });
  const config = (await import('../sst.config.js')).default as unknown as { app(input: { stage: string }): any; run(): Promise<Record<string, unknown>> };
  expect(config.app({ stage: 'production' })).toMatchObject({ name: 'parley', home: 'aws', removal: 'retain' });
  outputs = await config.run();
});

const of = (kind: string) => made.filter((m) => m.kind === kind);

async function expectHandlerExists(handler: string) {
  const dot = handler.lastIndexOf('.');
  const file = join(root, `${handler.slice(0, dot)}.ts`);
  expect(existsSync(file), file).toBe(true);
  const mod = await import(file);
  expect(typeof mod[handler.slice(dot + 1)], handler).toBe('function');
}

describe('sst.config.ts', () => {
  it('routes every endpoint group to one function of its own', async () => {
    const [api] = of('ApiGatewayV2');
    expect(api).toBeDefined();
    const functions = of('Function');
    expect(functions).toHaveLength(endpointGroups.length);
    for (const group of endpointGroups) {
      const fn = functions.find((f) => f.args.handler === group.handler);
      expect(fn, group.name).toBeDefined();
      expect(fn!.args.runtime).toBe('nodejs22.x');
      const routes = api!.calls.filter((c) => c.args[1] === `arn:aws:Function:${fn!.name}`).map((c) => c.args[0]);
      expect(routes.sort(), group.name).toEqual([...group.routes].sort());
      await expectHandlerExists(group.handler);
    }
    expect(api!.calls).toHaveLength(endpointGroups.flatMap((g) => g.routes).length);
  });

  it('declares the exports queue beside its dead-letter queue, the bucket, the secret and the rollup cron', async () => {
    const queues = of('Queue');
    const dlq = queues.find((q) => q.name === 'ExportsDeadLetter');
    const exports = queues.find((q) => q.name === 'Exports');
    expect(exports?.args.dlq).toEqual({ queue: 'arn:aws:Queue:ExportsDeadLetter', retry: 3 });
    expect(dlq).toBeDefined();
    expect(of('Bucket').map((b) => b.name)).toEqual(['Exports']);
    expect(of('Secret').map((s) => s.name)).toEqual(['DatabaseUrl', 'ChatProviders']);
    const [cron] = of('Cron');
    expect(cron?.args.schedule).toMatch(/^rate\(/);
    expect(cron?.args.job.runtime).toBe('nodejs22.x');
    await expectHandlerExists(cron!.args.job.handler);
    for (const sub of queues.flatMap((q) => q.calls.filter((c) => c.method === 'subscribe'))) {
      expect(sub.args[1]).toMatchObject({ batch: { partialResponses: true } });
      await expectHandlerExists(sub.args[0].handler);
    }
    expect(Object.keys(outputs).sort()).toEqual(['api', 'exportsBucket', 'exportsDeadLetterQueue', 'exportsQueue']);
  });
});
