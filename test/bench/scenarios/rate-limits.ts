import { serve } from '@hono/node-server';
import { createLocalApp } from '../../../packages/functions/src/local/app.js';
import { measureHttp } from '../measure.js';
import { type BenchRow, type BenchScenario, clean } from '../scenario.js';

/**
 * The cost of rate limits: the same cheap endpoint (one chat by id) through two servers on the bench
 * database, one counting every request in the key's window (a limit no run reaches) and one without
 * limits, measured one after the other in one run. The row's `http` is with limits, `direct` without.
 */
export const rateLimits: BenchScenario = {
  name: 'rate-limits',
  async run(ctx) {
    const path = `/api/v1/chats/${ctx.dataset.sampleChatIds[0]}`;
    const start = async (enabled: boolean) => {
      const app = createLocalApp({
        db: async () => ctx.db,
        rateLimits: () => (enabled ? { enabled: true, windowSeconds: 60, limits: { default: 1_000_000, admin: 1_000_000 } } : { enabled: false }),
      });
      const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
      await new Promise((r) => server.once('listening', r));
      return { server, base: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
    };
    const on = await start(true);
    const off = await start(false);
    try {
      // Warm both, then alternate: off, on, off, on; each figure is the better of its two runs.
      const options = { concurrency: ctx.concurrency, seconds: Math.max(1, Math.round(ctx.seconds / 2)), headers: ctx.headers };
      await measureHttp(off.base, [path], { ...options, seconds: 1 });
      await measureHttp(on.base, [path], { ...options, seconds: 1 });
      const runs = { on: [] as Awaited<ReturnType<typeof measureHttp>>[], off: [] as Awaited<ReturnType<typeof measureHttp>>[] };
      for (let i = 0; i < 2; i++) {
        runs.off.push(await measureHttp(off.base, [path], options));
        runs.on.push(await measureHttp(on.base, [path], options));
      }
      const best = (figures: typeof runs.on) => figures.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
      const row: BenchRow = { name: 'GET /api/v1/chats/{id}: limits on (http) vs off (direct)', http: best(runs.on), direct: best(runs.off) };
      const cost = row.direct.perSecond > 0 ? (1 - row.http.perSecond / row.direct.perSecond) * 100 : 0;
      row.notes = [
        `rate limits on: ${row.http.perSecond.toFixed(0)} req/s, p50 ${row.http.p50.toFixed(2)} ms, p99 ${row.http.p99.toFixed(2)} ms`,
        `rate limits off: ${row.direct.perSecond.toFixed(0)} req/s, p50 ${row.direct.p50.toFixed(2)} ms, p99 ${row.direct.p99.toFixed(2)} ms`,
        `cost: ${cost.toFixed(1)}% of throughput, ${(row.http.p50 - row.direct.p50).toFixed(2)} ms at p50`,
      ];
      const ratio = row.http.p99 / Math.max(row.direct.p99, 0.001);
      return { rows: [row], targets: [{ target: 'rate limits cost at most 25% at p99 on the cheapest endpoint', ratio, pass: clean(row) && ratio <= 1.25 }] };
    } finally {
      on.server.close();
      off.server.close();
    }
  },
};
