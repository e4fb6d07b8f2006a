import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { buildFunctions } from '../../../scripts/build.js';
import type { BenchScenario, BenchTarget } from '../scenario.js';

// Issue 17, target 1: every function's bundle (`npm run build`) at most 1 MB minified at import, and
// importing it in a fresh Node process at most 100 ms, the median of 5 processes. This is what Lambda
// pays on every cold start before the first request. Chunks loaded on demand (the AWS SDK, nodemailer,
// ajv, the markdown renderer) are counted in the "in all" size but are not read at import.

const run = promisify(execFile);
const MAX_BYTES = 1024 * 1024;
const MAX_IMPORT_MS = 100;
const PROCESSES = 5;

/** Wall and CPU time of `import(file)` in a fresh node process (plain node, as Lambda runs it). */
async function importTime(file: string): Promise<{ wall: number; cpu: number }> {
  const script = `const c = process.cpuUsage(); const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)});
const u = process.cpuUsage(c); console.log(JSON.stringify({ wall: performance.now() - t, cpu: (u.user + u.system) / 1000 }));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env: { PATH: process.env.PATH ?? '' } });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as { wall: number; cpu: number };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export const coldStart: BenchScenario = {
  name: 'cold-start',
  async run() {
    const work = mkdtempSync(join(tmpdir(), 'parley-bench-bundles-'));
    try {
      const built = await buildFunctions({ outdir: work });
      const notes: string[] = [];
      const targets: BenchTarget[] = [];
      for (const fn of built) {
        const times = [];
        for (let k = 0; k < PROCESSES; k++) times.push(await importTime(fn.file));
        const wall = median(times.map((t) => t.wall));
        const cpu = median(times.map((t) => t.cpu));
        notes.push(
          `${fn.name.padEnd(16)} ${(fn.bytes / 1024).toFixed(0).padStart(5)} KB at import, ${(fn.totalBytes / 1024).toFixed(0).padStart(5)} KB in all; ` +
            `import median ${wall.toFixed(0)} ms (CPU ${cpu.toFixed(0)} ms) of ${times.map((t) => t.wall.toFixed(0)).join(', ')}`,
        );
        targets.push({ target: `cold start ${fn.name}: bundle <= 1 MB at import (${(fn.bytes / 1024).toFixed(0)} KB)`, ratio: fn.bytes / MAX_BYTES, pass: fn.bytes <= MAX_BYTES });
        targets.push({ target: `cold start ${fn.name}: import <= ${MAX_IMPORT_MS} ms, median of ${PROCESSES} (${wall.toFixed(0)} ms)`, ratio: wall / MAX_IMPORT_MS, pass: wall <= MAX_IMPORT_MS });
      }
      const none = { requests: 0, perSecond: 0, p50: 0, p99: 0, errors: 0 };
      return { rows: [{ name: 'function bundles (npm run build)', http: none, direct: none, notes }], targets };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
};
