import { type ChildProcess, spawn } from 'node:child_process';

// `npm start` and the command-line tools as child processes, in the environment of a new user's shell:
// nothing set but the data folder and the port (DATABASE_URL and friends of the test run removed).

export const SERVER = 'packages/functions/src/local/main.ts';
export const KEYS = 'packages/functions/src/cli/keys.ts';
export const STATS = 'packages/functions/src/cli/stats.ts';
export const MIGRATE = 'packages/functions/src/cli/migrate.ts';

export function userEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', DATA_DIR: dataDir };
  for (const name of ['DATABASE_URL', 'DATABASE_DRIVER', 'DEMO_API_KEY', 'NEON_WS_PROXY']) delete env[name];
  return Object.assign(env, extra);
}

export interface Exited {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `file` with `args` to its end. */
export function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<Exited> {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

export interface Server {
  child: ChildProcess;
  output: string;
  base: string;
  key: string;
  workspaceId?: string;
}

/** Starts `npm start` and waits for the lines that say how to call it. */
export async function startServer(env: NodeJS.ProcessEnv, running: ChildProcess[]): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  // Generous: on a loaded machine a first start (migrations, the demo seed) takes well over a minute.
  const deadline = Date.now() + 240_000;
  while (!/Try it:/.test(output)) {
    if (child.exitCode !== null) throw new Error(`server exited: ${output}`);
    if (Date.now() > deadline) throw new Error(`server did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    output,
    base: /Base URL:\s+(\S+)/.exec(output)![1]!,
    key: /API key:\s+(\S+)/.exec(output)![1]!,
    workspaceId: /\/api\/v2\/w\/([0-9a-f-]{36})\//.exec(output)?.[1],
  };
}

export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}
