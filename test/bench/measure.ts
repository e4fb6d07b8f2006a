import autocannon from 'autocannon';

export interface Figures {
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

/** Runs `task` with `concurrency` calls in flight for `seconds`, timing each call (ms). */
export async function measureDirect(task: (i: number) => Promise<unknown>, options: { concurrency: number; seconds: number }): Promise<Figures> {
  const latencies: number[] = [];
  let errors = 0;
  let i = 0;
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          await task(i++);
        } catch {
          errors++;
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { requests: latencies.length, perSecond: latencies.length / elapsed, p50: at(0.5), p99: at(0.99), errors };
}

/** Load through HTTP with autocannon (in a worker thread, so the client does not share the server's event loop). */
export async function measureHttp(
  url: string,
  paths: string[],
  options: { concurrency: number; seconds: number; headers: Record<string, string> },
): Promise<Figures> {
  const result = await autocannon({
    url,
    connections: options.concurrency,
    duration: options.seconds,
    headers: options.headers,
    requests: paths.map((path) => ({ method: 'GET', path })),
    workers: 1,
  });
  return {
    requests: result.requests.total,
    perSecond: result.requests.total / options.seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}
