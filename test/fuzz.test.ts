import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, type ExportServices, EXPORT_KINDS } from '@parley/core';
import { insertCall, insertChat, insertChatTool, insertLabel, insertSquad, insertWorkspaceTool } from '@parley/db';
import { useTestDb } from './harness/db.js';
import { createTestWorkspace, type TestWorkspace } from './harness/workspace.js';
import { sendJson, startHttpStub } from './support/http-stub.js';

// Every operation of /openapi.json, read from the document itself (operations added later are covered
// without touching this file): for each parameter and body field, requests with a valid value from the
// schema (real ids of a seeded workspace where the name says what it is) and hostile ones, one field at
// a time. Whatever comes in, nothing answers 5xx, every error has the error shape, and the app still
// answers afterwards. A seeded PRNG keeps the run the same every time.

const t = useTestDb();

// ---- deterministic randomness ----

function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
const random = mulberry32(0x5eed);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
/** `n` of `items`, chosen by the PRNG, in a stable order. */
function sample<T>(items: readonly T[], n: number): T[] {
  if (items.length <= n) return [...items];
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, n);
}

// ---- the document ----

type Schema = Record<string, any>;
interface Operation {
  method: string;
  path: string;
  parameters: Array<{ name: string; in: 'path' | 'query' | 'header'; required: boolean; schema: Schema }>;
  body?: Schema;
}

function resolver(doc: Schema) {
  const resolve = (schema: Schema | undefined): Schema => {
    if (!schema) return {};
    if (schema.$ref) return resolve(doc.components.schemas[schema.$ref.split('/').pop()]);
    if (schema.allOf) return schema.allOf.map(resolve).reduce((a: Schema, b: Schema) => ({ ...a, ...b }), {});
    return schema;
  };
  return resolve;
}

function operationsOf(doc: Schema): Operation[] {
  const resolve = resolver(doc);
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries<Schema>(doc.paths)) {
    for (const [method, op] of Object.entries<Schema>(methods)) {
      ops.push({
        method: method.toUpperCase(),
        path,
        parameters: (op.parameters ?? []).map((p: Schema) => ({ name: p.name, in: p.in, required: !!p.required, schema: resolve(p.schema) })),
        body: op.requestBody?.content?.['application/json'] ? resolve(op.requestBody.content['application/json'].schema) : undefined,
      });
    }
  }
  // Deletions last, so the chats the other operations use are still there for them.
  return ops.sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
}

// ---- values ----

/** A query or path value: text to percent-encode, or `raw` text that goes into the URL as it is. */
type UrlValue = string | { raw: string } | UrlValue[];

interface Seed {
  ws: TestWorkspace;
  other: TestWorkspace;
  chatNumber: number;
  chatUuid: string;
  assistantMessageUuid: string;
  chatExportId: string;
  statisticsExportId: string;
  /** Real cursors and page tokens by operation path, from the first page of one item. */
  cursors: Map<string, string>;
  /** Real ids of the workspace's tool, label and a call, by path parameter. */
  ids: Record<string, string>;
}

const FILTERS = JSON.stringify({ all: [{ field: 'channel', op: 'in', value: ['sms', 'whatsapp'] }, { any: [{ field: 'label', op: 'eq', value: 'billing' }, { field: 'messageCount', op: 'gte', value: 1 }] }] });

/**
 * Valid values for one operation: a real id where the name says which, a real cursor of this list,
 * else a value from the schema (fields of objects each by their own name).
 */
function validValues(seed: Seed, op: Operation, resolve: (s: Schema) => Schema) {
  const { ws } = seed;
  const valid = (name: string, schema: Schema, where: 'path' | 'query' | 'header' | 'body'): unknown => {
    schema = resolve(schema);
    const known: Record<string, unknown> = {
      workspace_uuid: ws.workspace.id,
      org_id: ws.workspace.id,
      chatbotId: ws.agent.identityId,
      chat_id: schema.type === 'integer' ? seed.chatNumber : seed.chatUuid,
      id: seed.chatUuid,
      uuid: seed.assistantMessageUuid,
      export_id: seed.chatExportId,
      exportId: seed.statisticsExportId,
      channelId: ws.channels.sms.id,
      channelIds: [ws.channels.sms.id],
      ownerId: ws.contact.identityId,
      ownerIds: [ws.contact.identityId],
      responderIds: [ws.agent.identityId],
      responderVersionId: ws.agent.currentVersionId,
      responderVersionIds: [ws.agent.currentVersionId],
      memberId: ws.member.id,
      contact_id: ws.contact.identityId,
      channel_id: ws.channels.whatsapp.id,
      assistant_id: ws.agent.identityId,
      version_id: ws.agent.currentVersionId,
      squad_id: ws.squad.identityId,
      responderId: ws.agent.identityId,
      assistantIds: [ws.agent.identityId],
      startedAt: '2026-11-30T10:00:00Z',
      ...seed.ids,
      assistantMemberId: ws.agent.memberId,
      from: '2026-01-01T00:00:00Z',
      to: '2026-01-31T23:59:59Z',
      createdAfter: '2020-01-01T00:00:00Z',
      createdBefore: '2030-01-01T00:00:00Z',
      components: '0,1,2',
      timezone: 'Europe/Berlin',
      filters: FILTERS,
      search: 'order',
      title: 'Fuzzed chat',
      message: 'Hello from the fuzz test.',
      content: 'A message recorded by the fuzz test.',
      tool_calls: [{ name: 'lookup_order', arguments: { orderId: 'A1' } }],
      'idempotency-key': `fuzz-${randomUUID()}`,
      cursor: seed.cursors.get(op.path),
      next_page_token: seed.cursors.get(op.path),
    };
    if (Object.hasOwn(known, name) && known[name] !== undefined) {
      const value = known[name];
      return where === 'body' || Array.isArray(value) ? value : String(value);
    }
    const options = schema.anyOf ?? schema.oneOf;
    if (options) return valid(name, options.find((o: Schema) => ![resolve(o).type].flat().includes('null')) ?? options[0], where);
    if (schema.enum) {
      const value = pick(schema.enum.filter((v: unknown) => v !== null));
      return where === 'body' ? value : String(value);
    }
    const type = [schema.type].flat().find((t) => t !== 'null');
    switch (type) {
      case 'integer':
      case 'number': {
        const n = Math.max(schema.minimum ?? 1, Math.min(schema.maximum ?? 10, 1));
        return where === 'body' ? n : String(n);
      }
      case 'boolean':
        return where === 'body' ? random() < 0.5 : pick(['true', 'false']);
      case 'array':
        return [valid(name, schema.items ?? {}, where)];
      case 'object': {
        const out: Record<string, unknown> = {};
        for (const [key, prop] of Object.entries<Schema>(schema.properties ?? {})) {
          if ((schema.required ?? []).includes(key) || random() < 0.5) out[key] = valid(key, prop, where);
        }
        return out;
      }
      default:
        if (schema.format === 'uuid') return randomUUID();
        if (schema.format === 'date-time') return '2026-01-15T12:00:00Z';
        return 'x'.repeat(Math.max(schema.minLength ?? 0, 5));
    }
  };
  return valid;
}

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

const isCursor = (name: string) => name === 'cursor' || name === 'next_page_token';

/** Hostile text for URLs: each a class of input that once answered 500 somewhere, or might. */
function hostileUrlValues(seed: Seed, name: string, schema: Schema, valid: unknown): UrlValue[] {
  const text = typeof valid === 'string' ? valid : '';
  const values: UrlValue[] = [
    '\u0000', `a\u0000b`, { raw: '%00' }, '%00', { raw: '%ED%A0%80' }, { raw: 'a%ED%B0%80b' }, { raw: '%E0%A4%A' }, { raw: '%zz' }, { raw: '%' },
    '', ' ', 'x'.repeat(5000), '__proto__', 'constructor', 'toString', 'hasOwnProperty',
    '0x10', '1e3', '-1', '1.5', '0', '99999999999999999999999', 'NaN', 'Infinity', 'null', 'true', '[]', '{}', "' OR 1=1 --", '../..', '👍🏽',
    [text || 'a', text || 'b'],
  ];
  if (schema.format === 'uuid' || /^[0-9a-f-]{36}$/.test(text)) {
    values.push(text.toUpperCase(), `{${text}}`, text.replace(/-/g, ''), randomUUID(), seed.other.workspace.id, seed.other.agent.identityId, seed.other.channels.sms.id);
  }
  if (schema.format === 'date-time' || /date|At|from|to/.test(name)) {
    values.push('0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '2026-02-30T00:00:00Z', '2026-01-01T00:00:00', '2026-01-01T00:00:00+99:99', '1969-12-31T23:59:59Z', '+275760-09-13T00:00:00Z', '2026-13-45T99:99:99Z');
  }
  if (schema.type === 'integer' || schema.type === 'number') values.push('2147483648', '9007199254740993', '01', ' 1', '1_000', '0b1', '1,2');
  if (name === 'filters') {
    values.push(
      '{',
      deepArray(50_000),
      JSON.stringify({ field: 'title', op: 'contains', value: 'a\u0000' }),
      JSON.stringify({ field: 'title', op: 'contains', value: '\ud800' }),
      JSON.stringify({ field: '__proto__', op: 'eq', value: 1 }),
      JSON.stringify({ field: 'constructor', op: 'eq', value: 1 }),
      JSON.stringify({ all: [{ field: 'toString', op: 'in', value: [1] }] }),
      JSON.stringify({ __proto__: { all: [] } }),
      JSON.stringify({ field: 'createdAt', op: 'gt', value: '0000-01-01T00:00:00Z' }),
      JSON.stringify({ field: 'createdAt', op: 'between', value: ['2026-01-01T00:00:00Z', '+275760-01-01T00:00:00Z'] }),
      JSON.stringify({ field: 'messageCount', op: 'gte', value: 1e300 }),
      JSON.stringify({ field: 'assistantMemberId', op: 'in', value: Array.from({ length: 101 }, (_, i) => i) }),
      JSON.stringify({ field: 'label', op: 'is_null', value: 'yes' }),
      JSON.stringify({ all: Array.from({ length: 60 }, () => ({ field: 'archived', op: 'eq', value: false })) }),
    );
  }
  if (isCursor(name)) {
    const real = typeof valid === 'string' && valid ? [valid] : [];
    values.push(
      b64('nonsense'),
      b64(randomUUID()),
      `${b64({ s: 'createdAt', o: 'desc', v: '2026-13-45 99:00:00+00', n: 1 })}.${'A'.repeat(43)}`,
      b64({ s: 'createdAt', o: 'desc', v: null, n: 1e300 }),
      b64({ o: 'desc', t: '0000-01-01 00:00:00+00 BC', n: 1.5 }),
      b64(['2026-02-30T00:00:00.000000Z', randomUUID()]),
      ...real.map((c) => `${c.slice(0, 3)}${c[3] === 'A' ? 'B' : 'A'}${c.slice(4)}`),
      ...real.map((c) => `${c}x`),
      ...[...seed.cursors.values()].filter((c) => !real.includes(c)),
    );
  }
  if (name === 'components') values.push('0,1,2,999', ',,,', '0,,1', '1e1', '0x1', '-0');
  if (name === 'timezone') values.push('Mars/Olympus', '../../etc/passwd', '+14:00', 'Etc/GMT+15', 'UTC\u0000', 'constructor');
  return values;
}

/** Hostile JSON values for one body field. */
function hostileJsonValues(seed: Seed, schema: Schema, valid: unknown): Array<{ value?: unknown; raw?: string }> {
  const values: Array<{ value?: unknown; raw?: string }> = [
    { value: null }, { value: true }, { value: 0 }, { value: -1 }, { value: 1.5 }, { value: 1e308 }, { value: 2 ** 53 + 1 },
    { value: '' }, { value: ' ' }, { value: 'x'.repeat(100_000) }, { value: '\u0000' }, { value: 'a\u0000b' }, { value: '\ud800' }, { value: 'x\udfff' },
    { value: '__proto__' }, { value: 'constructor' }, { value: '0x10' }, { value: '1e3' },
    { value: [] }, { value: [valid] }, { value: {} }, { value: { __proto__: null, toString: 1 } }, { value: JSON.parse(deepArray(100)) },
    { raw: deepArray(200_000) }, { value: new Array(20_000).fill(0) },
  ];
  if (schema.format === 'uuid' && typeof valid === 'string') values.push({ value: valid.toUpperCase() }, { value: randomUUID() }, { value: seed.other.contact.identityId });
  if (schema.format === 'date-time') values.push({ value: '0000-01-01T00:00:00Z' }, { value: '9999-12-31T23:59:59Z' }, { value: '2026-02-30T10:00:00Z' }, { value: '1969-12-31T23:59:59.999Z' });
  return values;
}

// ---- requests ----

interface Request {
  method: string;
  url: string;
  body?: string;
  headers: Record<string, string>;
  key?: string | null;
}

function encode(value: UrlValue): string {
  if (typeof value === 'string') return encodeURIComponent(value);
  if (Array.isArray(value)) return encode(value[0] ?? '');
  return value.raw;
}

function build(op: Operation, params: Map<string, UrlValue | undefined>, body: { value?: unknown; raw?: string } | undefined): Request {
  let url = op.path;
  const query: string[] = [];
  const headers: Record<string, string> = {};
  for (const p of op.parameters) {
    const value = params.get(`${p.in}:${p.name}`);
    if (value === undefined) continue;
    if (p.in === 'path') url = url.replace(`{${p.name}}`, encode(value) || '%20');
    else if (p.in === 'query') for (const v of Array.isArray(value) ? value : [value]) query.push(`${encodeURIComponent(p.name)}=${encode(v)}`);
    else if (typeof value === 'string') headers[p.name] = value;
  }
  if (query.length) url += `?${query.join('&')}`;
  const text = body === undefined ? undefined : body.raw ?? JSON.stringify(body.value);
  if (text !== undefined) headers['content-type'] = 'application/json';
  return { method: op.method, url, body: text, headers };
}

/** Header values a client can send at all (fetch refuses the rest before anything leaves). */
const sendableHeader = (v: UrlValue): v is string => typeof v === 'string' && /^[\x20-\x7e\x80-\xff]*$/.test(v) && v.trim() === v;

function requestsFor(op: Operation, seed: Seed, resolve: (s: Schema) => Schema): Request[] {
  const validValue = validValues(seed, op, resolve);
  const validParam = (p: Operation['parameters'][number]) => validValue(p.name, p.schema, p.in) as UrlValue;
  const baseline = () => new Map<string, UrlValue | undefined>(op.parameters.filter((p) => p.required || p.in === 'header').map((p) => [`${p.in}:${p.name}`, validParam(p)]));
  const validBody = () => (op.body ? { value: validValue('', op.body, 'body') } : undefined);
  const requests: Request[] = [];

  // Valid: the required parameters alone, then every parameter with a valid value, then random subsets.
  requests.push(build(op, baseline(), validBody()));
  requests.push(build(op, new Map(op.parameters.map((p) => [`${p.in}:${p.name}`, validParam(p)])), validBody()));
  for (let i = 0; i < 3; i++) {
    requests.push(build(op, new Map(op.parameters.filter((p) => p.required || random() < 0.5).map((p) => [`${p.in}:${p.name}`, validParam(p)])), validBody()));
  }

  // Hostile: one parameter at a time, the rest valid.
  for (const p of op.parameters) {
    const valid = validParam(p);
    let values = sample(hostileUrlValues(seed, p.name, p.schema, valid), isCursor(p.name) || p.name === 'filters' ? 40 : 18);
    if (p.in === 'header') values = values.filter(sendableHeader);
    for (const value of values) {
      const params = baseline();
      params.set(`${p.in}:${p.name}`, value);
      requests.push(build(op, params, validBody()));
    }
    if (!p.required) {
      const params = baseline();
      params.delete(`${p.in}:${p.name}`);
      requests.push(build(op, params, validBody()));
    }
  }

  // Hostile bodies: each field (and each field of an array's first item) replaced or dropped, then whole bodies.
  if (op.body) {
    const valid = validValue('', op.body, 'body') as Record<string, unknown>;
    const fields: Array<{ path: Array<string | number>; schema: Schema }> = [];
    for (const [key, prop] of Object.entries<Schema>(op.body.properties ?? {})) {
      const resolved = resolve(prop);
      fields.push({ path: [key], schema: resolved });
      const item = resolved.type === 'array' ? resolve(resolved.items ?? {}) : undefined;
      for (const [inner, innerProp] of Object.entries<Schema>(item?.properties ?? {})) fields.push({ path: [key, 0, inner], schema: resolve(innerProp) });
    }
    for (const field of fields) {
      const validHere = validValue(String(field.path.at(-1)), field.schema, 'body');
      for (const hostile of sample(hostileJsonValues(seed, field.schema, validHere), 16)) {
        const body = structuredClone(valid);
        let target: any = body;
        for (const k of field.path.slice(0, -1)) target = target[k] ??= typeof k === 'number' ? {} : [{}];
        const last = field.path.at(-1)!;
        if (hostile.raw !== undefined) {
          const marker = `"__fuzz_${randomUUID()}__"`;
          target[last] = JSON.parse(marker);
          requests.push(build(op, baseline(), { raw: JSON.stringify(body).replace(marker, hostile.raw) }));
        } else {
          target[last] = hostile.value;
          requests.push(build(op, baseline(), { value: body }));
        }
      }
      const without = structuredClone(valid);
      let target: any = without;
      for (const k of field.path.slice(0, -1)) target = target?.[k];
      if (target) delete target[field.path.at(-1)!];
      requests.push(build(op, baseline(), { value: without }));
    }
    for (const raw of [
      'not json', '', '[]', 'null', '"text"', '{', `{"a":${deepArray(300_000)}}`, '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}',
      `\ufeff${JSON.stringify(valid)}`, JSON.stringify({ ...valid, unknownField: 1 }), JSON.stringify({ ...valid, 'ke\u0000y': 1 }), JSON.stringify(valid).replace('{', '{"\\ud800":1,'),
    ]) {
      requests.push(build(op, baseline(), { raw }));
    }
    requests.push(build(op, baseline(), { raw: JSON.stringify({ ...valid, filler: 'x'.repeat(1_100_000) }) }));
  }

  // Callers: no key, a key that is no key, a key of another workspace.
  requests.push({ ...build(op, baseline(), validBody()), key: null });
  requests.push({ ...build(op, baseline(), validBody()), key: 'prl_AAAAAAAAAAAA_notarealkeynotarealkey' });
  requests.push({ ...build(op, baseline(), validBody()), key: seed.other.keys.all });
  return requests;
}

// ---- the run ----

let stub: Awaited<ReturnType<typeof startHttpStub>>;
beforeAll(async () => {
  stub = await startHttpStub((_req, res) => sendJson(res, 200, { status: 'shipped' }));
});
afterAll(() => stub.close());

/** Exports that queue and never run: the routes answer 202, and the status routes see queued jobs. */
const exports: ExportServices = {
  queue: { send: async () => {} },
  store: { upload: async () => {}, downloadUrl: async () => '/local-exports/never' },
  waitMs: 0,
  linkTtlSeconds: 60,
  kinds: EXPORT_KINDS, maxReceives: 4,
};

async function seedWorkspace(): Promise<Seed> {
  // Thousands of requests under one key in a minute: the rate limit (tested on its own) stays out of the way.
  const ws = await createTestWorkspace(t.db, { exports, rateLimits: { enabled: false } });
  const other = await createTestWorkspace(t.db, { exports, rateLimits: { enabled: false } });
  const base = `/api/v2/w/${ws.workspace.id}/chats`;
  const chats = [];
  for (const [title, channel] of [['Order question', ws.channels.sms], ['Billing', ws.channels.whatsapp], ['Refund', ws.channels.sms]] as const) {
    chats.push(
      await insertChat(t.db, {
        workspaceId: ws.workspace.id,
        channelId: channel.id,
        ownerId: ws.contact.identityId,
        responderId: ws.agent.identityId,
        currentResponderId: ws.agent.identityId,
        responderVersionId: ws.agent.currentVersionId,
        title,
      }),
    );
  }
  const chat = chats[0]!;
  const label = await insertLabel(t.db, { workspaceId: ws.workspace.id, name: 'billing' });
  const tool = await insertWorkspaceTool(t.db, { workspaceId: ws.workspace.id, name: 'check_stock', callbackUrl: `${stub.url}/stock`, inputSchema: { type: 'object' } });
  const callAt = (startedAt: string) =>
    insertCall(t.db, { workspaceId: ws.workspace.id, chatId: chat.id }, { direction: 'inbound', startedAt: new Date(startedAt), endedAt: null, durationSeconds: 42, outcome: 'customer-ended-call', exitStep: null, transferTarget: null, userInputs: 3 });
  // Two of everything listed, so each list has a next page and a real cursor.
  await insertLabel(t.db, { workspaceId: ws.workspace.id, name: 'shipping' });
  await insertWorkspaceTool(t.db, { workspaceId: ws.workspace.id, name: 'track_parcel', callbackUrl: `${stub.url}/track`, inputSchema: { type: 'object' } });
  await insertSquad(t.db, { workspaceId: ws.workspace.id, name: 'Tier 2', assistantIds: [ws.otherAgent.identityId] });
  const call = await callAt('2026-11-30T10:00:00Z');
  await callAt('2026-11-30T11:00:00Z');
  const schema = { type: 'object', properties: { orderId: { type: 'string' } }, required: ['orderId'], additionalProperties: false };
  await insertChatTool(t.db, { workspaceId: ws.workspace.id, chatId: chat.id, name: 'lookup_order', callbackUrl: `${stub.url}/lookup`, inputSchema: schema });
  for (const [role, content] of [['user', 'Where is my order?'], ['assistant', 'Let me check.'], ['user', 'Thanks']] as const) {
    expect((await ws.request(`${base}/${chat.number}/messages`, { method: 'POST', body: { role, content } })).status).toBe(201);
  }
  const history = await (await ws.request(`${base}/${chat.number}/messages?order=asc`)).json();
  const assistant = history.messages.find((m: { role: string }) => m.role === 'assistant');
  const chatExport = await (await ws.request(`${base}/export`)).json();
  const period = 'from=2026-01-01T00:00:00Z&to=2026-01-31T23:59:59Z';
  const statisticsExport = await (await ws.request(`/v1/chatbots/${ws.agent.identityId}/statistics/export?${period}`, { method: 'POST' })).json();
  expect([chatExport.exportId, statisticsExport.exportId, assistant?.uuid].every(Boolean)).toBe(true);
  return {
    ws,
    other,
    chatNumber: chat.number,
    chatUuid: chat.id,
    assistantMessageUuid: assistant.uuid,
    chatExportId: chatExport.exportId,
    statisticsExportId: statisticsExport.exportId,
    cursors: new Map(),
    ids: { label_id: label.id, tool_id: tool!.id, call_id: call.id },
  };
}

/**
 * A real cursor of each list that has one: its first page with one item per page (its page-size
 * parameter, at most 100 or named so, set to 1), and the next-page cursor from the body or header.
 */
async function gatherCursors(seed: Seed, operations: Operation[], resolve: (s: Schema) => Schema) {
  for (const op of operations.filter((o) => o.method === 'GET' && o.parameters.some((p) => isCursor(p.name)))) {
    const valid = validValues(seed, op, resolve);
    const params = new Map<string, UrlValue | undefined>(op.parameters.filter((p) => p.required).map((p) => [`${p.in}:${p.name}`, valid(p.name, p.schema, p.in) as UrlValue]));
        const pageSize = (p: Operation['parameters'][number]) => ['integer', 'number'].includes(p.schema.type) && (p.schema.maximum === 100 || /size|limit|take/i.test(p.name));
    for (const p of op.parameters) if (p.in === 'query' && pageSize(p)) params.set(`query:${p.name}`, '1');
    const req = build(op, params, undefined);
    const res = await seed.ws.request(req.url, { headers: req.headers });
    const token = (await res.json()).nextCursor ?? res.headers.get('x-next-page-token');
    expect(token, `${op.path} has a next page`).toEqual(expect.any(String));
    seed.cursors.set(op.path, token);
  }
}

describe('every operation of the OpenAPI document, with valid and hostile input', () => {
  it('never answers 5xx, answers every error in the error shape, and keeps answering', { timeout: 240_000 }, async () => {
    const seed = await seedWorkspace();
    const { ws } = seed;
    const doc = await (await ws.request('/openapi.json', { key: null })).json();
    const resolve = resolver(doc);
    const operations = operationsOf(doc);
    expect(operations.length).toBeGreaterThan(20);
    await gatherCursors(seed, operations, resolve);

    const histogram = new Map<number, number>();
    const failures: string[] = [];
    let count = 0;
    const started = Date.now();
    for (const op of operations) {
      const requests = requestsFor(op, seed, resolve);
      // Upper-case UUIDs read as their lower-case selves: a GET answers as it does with them lower case.
      if (op.method === 'GET') {
        const valid = requests[0]!;
        const upper = { ...valid, url: valid.url.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (u) => u.toUpperCase()) };
        const [a, b] = [await ws.request(valid.url, valid), await ws.request(upper.url, upper)];
        count += 2;
        if (a.status !== b.status) failures.push(`${op.method} ${upper.url.slice(0, 160)}: ${b.status} with upper-case UUIDs, ${a.status} without`);
      }
      for (const req of requests) {
        const res = await ws.request(req.url, { method: req.method, body: req.body, headers: req.headers, key: req.key });
        count++;
        histogram.set(res.status, (histogram.get(res.status) ?? 0) + 1);
        const what = `${req.method} ${req.url.slice(0, 160)}${req.body ? ` ${req.body.slice(0, 120)}` : ''}`;
        if (res.status >= 500) failures.push(`${what}: ${res.status} ${(await res.text()).slice(0, 200)}`);
        else if (res.status >= 400) {
          const body = await res.json().catch(() => undefined);
          const error = body?.error;
          if (!error || !(ERROR_CODES as readonly string[]).includes(error.code) || typeof error.message !== 'string' || typeof error.requestId !== 'string') {
            failures.push(`${what}: ${res.status} without the error shape`);
          }
        } else await res.arrayBuffer();
      }
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const statuses = [...histogram].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`).join(' ');
    console.log(`fuzz: ${count} requests over ${operations.length} operations in ${seconds} s: ${statuses}`);
    expect(failures, failures.slice(0, 20).join('\n')).toEqual([]);

    // Still serving.
    expect((await ws.request(`/api/v2/w/${ws.workspace.id}/chats?pageSize=1`)).status).toBe(200);
    expect((await ws.request('/openapi.json', { key: null })).status).toBe(200);
  });
});
