import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// `npm start` as a new user runs it: embedded database under DATA_DIR, demo data on first run,
// base URL, docs URL and a working API key printed, and the data still there after a restart.

const dataDir = mkdtempSync(join(tmpdir(), 'parley-start-'));
const running: ChildProcess[] = [];

afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

/** The environment of a new user's shell: nothing set but the port and the data folder. */
function serverEnv(extraEnv: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', DATA_DIR: dataDir };
  delete env.DATABASE_URL;
  delete env.DATABASE_DRIVER;
  delete env.DEMO_API_KEY;
  return Object.assign(env, extraEnv);
}

async function start(extraEnv: Record<string, string> = {}): Promise<{ child: ChildProcess; output: string; base: string; key: string; log: () => string }> {
  const env = serverEnv(extraEnv);
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/functions/src/local/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const deadline = Date.now() + 150_000;
  while (!/Try it:/.test(output)) {
    if (child.exitCode !== null) throw new Error(`server exited: ${output}`);
    if (Date.now() > deadline) throw new Error(`server did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const base = /Base URL:\s+(\S+)/.exec(output)![1]!;
  const key = /API key:\s+(\S+)/.exec(output)![1]!;
  return { child, output, base, key, log: () => output };
}

async function stop(child: ChildProcess) {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** Whether a report value shows something: a non-zero number, or anything holding one. */
function shows(value: unknown): boolean {
  if (typeof value === 'number') return value !== 0;
  if (Array.isArray(value)) return value.some(shows);
  if (value && typeof value === 'object') return Object.values(value).some(shows);
  return typeof value === 'string' && value !== '';
}

/** The demo, seeded through the API's own functions, feeds every list, every tool and every report component. */
async function demoShowsEveryFeature(base: string, headers: Record<string, string>, workspace: string) {
  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${base}${path}`, { headers });
    expect(res.status, `${path}: ${await res.clone().text()}`).toBe(200);
    return (await res.json()) as T;
  };
  const w = `/api/v2/w/${workspace}`;
  const tools = await get<{ tools: Array<{ name: string; callbackUrl: string }> }>(`${w}/tools`);
  expect(tools.tools.map((t) => t.name).sort()).toEqual(['book_appointment', 'check_stock', 'create_ticket', 'lookup_order', 'refund_payment']);
  expect(tools.tools.every((t) => t.callbackUrl.startsWith(`${base}/demo/tools/`))).toBe(true);
  // The tools answer (the demo serves them) and were called by assistant messages.
  const answer = await fetch(tools.tools[0]!.callbackUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ arguments: { day: 'monday' } }) });
  expect(answer.status).toBe(200);
  expect((await fetch(`${base}/demo/tools/no_such_tool`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(404);
  expect((await get<string[]>(`${w}/chats/tool-call-names`)).length).toBeGreaterThan(0);
  const labels = await get<{ labels: Array<{ name: string; chatCount: number }> }>(`${w}/labels`);
  expect(labels.labels).toHaveLength(6);
  expect(labels.labels.some((l) => l.chatCount > 0)).toBe(true);
  expect((await get<{ members: unknown[] }>(`${w}/members?limit=100`)).members.length).toBeGreaterThanOrEqual(7);
  expect((await get<{ contacts: unknown[] }>(`${w}/contacts?limit=100`)).contacts).toHaveLength(40);
  const channels = (await get<{ channels: Array<{ id: string; type: string; responder: { id: string; kind: string } }> }>(`${w}/channels`)).channels;
  const voice = channels.find((c) => c.type === 'voice')!;
  const calls = await get<{ chats: Array<{ id: number }> }>(`${w}/chats?channel=voice&pageSize=1`);
  expect(calls.chats).toHaveLength(1);
  expect((await get<{ calls: unknown[] }>(`${w}/chats/${calls.chats[0]!.id}/calls`)).calls.length).toBeGreaterThan(0);
  // A squad's chats are answered by one of its assistants.
  const squad = channels.find((c) => c.responder.kind === 'squad')!;
  const squadChats = await get<{ chats: Array<{ id: number }> }>(`${w}/chats?channel=${squad.type}&pageSize=5`);
  expect(squadChats.chats.length).toBeGreaterThan(0);
  const history = await get<{ messages: Array<{ role: string }> }>(`${w}/chats/${squadChats.chats[0]!.id}/messages?limit=100`);
  expect(history.messages.some((m) => m.role === 'assistant')).toBe(true);
  // Every component of every assistant's overview, and of the voice channel's report, after the first rollup.
  const range = `from=${new Date(Date.now() - 61 * 86_400_000).toISOString()}&to=${new Date().toISOString()}&interval=86400`;
  for (const assistant of new Set(channels.filter((c) => c.responder.kind === 'agent').map((c) => c.responder.id))) {
    const overview = await get<Record<string, unknown>>(`/v1/chatbots/${assistant}/statistics/reports/overview?${range}&components=${Array.from({ length: 17 }, (_, i) => i).join(',')}`);
    expect(Object.keys(overview)).toHaveLength(17);
    expect(Object.keys(overview).filter((k) => !shows(overview[k]))).toEqual([]);
  }
  const report = await get<Record<string, unknown>>(`/v1/chatbots/${voice.responder.id}/statistics/reports/channel?channelId=${voice.id}&${range}&components=${Array.from({ length: 23 }, (_, i) => i).join(',')}`);
  expect(Object.keys(report).filter((k) => k.startsWith('CALL_'))).toHaveLength(7);
  expect(Object.keys(report).filter((k) => !shows(report[k]))).toEqual([]);
}

describe('npm start and npm run keys', () => {
  it('seeds the demo workspace once, prints how to call it, and keeps the data across restarts', { timeout: 180_000 }, async () => {
    const first = await start();
    expect(first.output).toMatch(/Seeded the demo workspace [0-9a-f-]{36} with 200 chats/);
    expect(first.output).toContain(`Docs:      ${first.base}/docs`);
    const headers = { authorization: `Bearer ${first.key}` };
    const page = await fetch(`${first.base}/api/v1/chats/details?pageSize=100`, { headers });
    expect(page.status).toBe(200);
    const chats = (await page.json()) as Array<{ createdAt: string; lastMessageContent: string | null }>;
    expect(chats).toHaveLength(100);
    const oldest = Math.min(...chats.map((c) => Date.parse(c.createdAt)));
    expect(Date.now() - oldest).toBeLessThanOrEqual(60 * 86_400_000);
    expect(chats.every((c) => c.lastMessageContent)).toBe(true);
    const types = new Set<string>();
    for (let p = 1; p <= 3; p++) {
      const res = await fetch(`${first.base}/api/v1/chats?pageSize=100&pageNumber=${p}&channelTypes=widget&channelTypes=whatsapp&channelTypes=sms&channelTypes=email&channelTypes=voice`, { headers });
      for (const chat of (await res.json()) as Array<{ channelId: string }>) types.add(chat.channelId);
    }
    expect(types.size).toBe(5);
    const created = await fetch(`${first.base}/api/v1/chats`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ channelId: null, ownerId: (chats[0] as unknown as { ownerId: string }).ownerId, title: 'survives restarts' }),
    });
    expect(created.status).toBe(200);
    const { id } = (await created.json()) as { id: string };
    expect((await fetch(`${first.base}/docs`)).status).toBe(200);
    // Local mode allows any origin, serves the health checks and the metrics, and (its output not a
    // terminal here) writes a JSON line per request.
    expect((await fetch(`${first.base}/api/v1/chats/${id}`, { headers: { ...headers, origin: 'http://localhost:5173' } })).headers.get('access-control-allow-origin')).toBe('*');
    expect(await (await fetch(`${first.base}/health/ready`)).json()).toMatchObject({ status: 'ready' });
    expect(await (await fetch(`${first.base}/metrics`)).text()).toMatch(/parley_http_requests_total\{route="\/api\/v1\/chats\/\{id\}",method="GET"\} 1/);
    const requestLines = () => first.log().split('\n').filter((l) => l.startsWith('{') && l.includes('"message":"request"')).map((l) => JSON.parse(l));
    await expect.poll(requestLines).toContainEqual(expect.objectContaining({ method: 'POST', route: '/api/v1/chats', status: 200, keyId: first.key.split('_')[1] }));
    // The export: the in-process queue, the worker, and the file under DATA_DIR/exports behind a signed link.
    const demoWorkspace = /Seeded the demo workspace ([0-9a-f-]{36})/.exec(first.output)![1]!;
    const csv = await fetch(`${first.base}/api/v2/w/${demoWorkspace}/chats/export?chatType=assignment`, { headers });
    expect(csv.status).toBe(200);
    expect(csv.redirected).toBe(true);
    // The file is streamed compressed (fetch accepts gzip and br, and decodes it).
    expect(csv.headers.get('content-encoding')).toMatch(/^(br|gzip)$/);
    expect(new URL(csv.url).pathname).toMatch(/^\/local-exports\/exports\//);
    expect((await csv.text()).split('\r\n')[0]).toMatch(/^chat_id,chat_uuid,title,/);
    await demoShowsEveryFeature(first.base, headers, demoWorkspace);
    await stop(first.child);

    const second = await start();
    expect(second.output).not.toContain('Seeded');
    expect(second.key).toBe(first.key);
    const again = await fetch(`${second.base}/api/v1/chats/${id}`, { headers: { 'x-api-key': second.key } });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { title: string }).title).toBe('survives restarts');
    // The v2 example it prints works after a restart too: the demo has chats waiting for an answer.
    const v2 = /curl .*"(\S+\/api\/v2\/w\/[0-9a-f-]{36}\/chats\?\S+)"/.exec(second.output)?.[1];
    expect(v2, second.output).toBeDefined();
    const waiting = (await (await fetch(v2!, { headers })).json()) as { chats: Array<{ needsResponse: boolean }> };
    expect(waiting.chats.length).toBeGreaterThan(0);
    expect(waiting.chats.every((c) => c.needsResponse)).toBe(true);
    await stop(second.child);

    // npm run keys prints a new key for the workspace, with only the scopes asked for.
    const workspaceId = /Seeded the demo workspace ([0-9a-f-]{36})/.exec(first.output)![1]!;
    const keys = spawnSync(process.execPath, ['--import', 'tsx', 'packages/functions/src/cli/keys.ts', 'create', '--workspace', workspaceId, '--scopes', 'statistics:read'], { env: { ...serverEnv() }, encoding: 'utf8' });
    expect(keys.status, keys.stderr).toBe(0);
    const statsKey = keys.stdout.trim();
    expect(statsKey).toMatch(/^prl_[A-Za-z0-9]{12}_[A-Za-z0-9_-]+$/);
    const refused = spawnSync(process.execPath, ['--import', 'tsx', 'packages/functions/src/cli/keys.ts', 'create', '--workspace', workspaceId, '--scopes', 'chats:delete'], { env: { ...serverEnv() }, encoding: 'utf8' });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('Unknown or missing scopes: chats:delete');

    // DEMO_API_KEY fixes the key, also on a database seeded before it was set.
    const fixed = 'prl_DemoKey00001_a-fixed-demo-secret-value';
    const third = await start({ DEMO_API_KEY: fixed });
    expect(third.key).toBe(fixed);
    expect((await fetch(`${third.base}/api/v1/chats/${id}`, { headers: { authorization: `Bearer ${fixed}` } })).status).toBe(200);
    expect((await fetch(`${third.base}/api/v1/chats/${id}`, { headers })).status).toBe(200);
    expect((await fetch(`${third.base}/api/v1/chats/${id}`, { headers: { 'x-api-key': statsKey } })).status).toBe(403);
    await stop(third.child);
  });
});
