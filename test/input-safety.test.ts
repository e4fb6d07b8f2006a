import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretKey, randomBytes } from 'node:crypto';
import {
  canonicalJson,
  createApiKey,
  cursorCodec,
  type ExportServices,
  findJsonProblem,
  isStorableText,
  isTimestampText,
  parseConfig,
  EXPORT_KINDS,
  type Providers,
} from '@parley/core';
import { createProviders } from '@parley/core/providers';
import { type Database, insertChat, insertChatTool, listDeliveries } from '@parley/db';
import type { Kysely } from 'kysely';
import { createLocalApp } from '../packages/functions/src/local/app.js';
import { serveLocal } from '../packages/functions/src/local/server.js';
import { useTestDb } from './harness/db.js';
import { createTestWorkspace, type TestWorkspace } from './harness/workspace.js';
import { sendJson, startHttpStub } from './support/http-stub.js';

// Whatever a client sends answers 4xx in the error shape, never 5xx: text no column can hold, JSON too
// deep to walk, forged cursors, Object.prototype names, instants out of range, numbers in other
// notations, oversized request heads, and an idempotent request racing its own failed first run.

const t = useTestDb();

/** Exports that queue and never run: the export route answers 202 once the input is valid. */
const exports: ExportServices = {
  queue: { send: async () => {} },
  store: { upload: async () => {}, downloadUrl: async () => 'http://files.test/export.csv' },
  waitMs: 0,
  linkTtlSeconds: 60,
  kinds: EXPORT_KINDS, maxReceives: 4,
};

async function setup(options: { providers?: Providers } = {}) {
  const ws = await createTestWorkspace(t.db, { ...options, exports });
  const chat = (title = 'A chat') =>
    insertChat(t.db, {
      workspaceId: ws.workspace.id,
      channelId: ws.channels.sms.id,
      ownerId: ws.contact.identityId,
      responderId: ws.agent.identityId,
      currentResponderId: ws.agent.identityId,
      responderVersionId: null,
      title,
    });
  const v2 = `/api/v2/w/${ws.workspace.id}/chats`;
  const org = `/v1/orgs/${ws.workspace.id}/chats`;
  const stats = `/v1/chatbots/${ws.agent.identityId}/statistics`;
  return { ws, chat, v2, org, stats };
}

async function issueOf(res: Response | Awaited<ReturnType<TestWorkspace['request']>>) {
  const body = await res.json();
  return { status: res.status, code: body.error?.code, path: body.error?.issues?.[0]?.path, message: body.error?.issues?.[0]?.message as string | undefined };
}

const filters = (tree: unknown) => `filters=${encodeURIComponent(JSON.stringify(tree))}`;

describe('the helpers every check shares', () => {
  it('tells storable text from text with NUL or an unpaired surrogate', () => {
    for (const ok of ['', 'plain', '👍🏽 paired', '\u0001\t\uffff', '\ud83d\ude00']) expect(isStorableText(ok)).toBe(true);
    for (const bad of ['\u0000', 'a\u0000b', '\ud800', 'x\ud83d', '\ude00x', '\ude00\ud83d']) expect(isStorableText(bad)).toBe(false);
  });

  it('finds the first problem of a JSON value without recursing, wherever it is', () => {
    expect(findJsonProblem({ a: [1, { b: 'ok' }], c: null })).toBeUndefined();
    expect(findJsonProblem({ a: [1, { b: 'x\u0000' }] })).toEqual({ at: ['a', 1, 'b'], message: expect.stringContaining('NUL') });
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(findJsonProblem({ x: deep })?.message).toBe('nests JSON deeper than 32 levels');
    expect(findJsonProblem(new Array(10_001).fill(0))?.message).toBe('holds more than 10000 JSON values');
  });

  it('serialises canonical JSON like JSON.stringify with sorted keys, at any depth', () => {
    const value = { b: [3, undefined, { z: 1, a: new Date('2026-01-02T03:04:05.678Z') }], a: 'x\n"', skip: undefined, n: null, f: -0.5 };
    expect(canonicalJson(value)).toBe('{"a":"x\\n\\"","b":[3,null,{"a":"2026-01-02T03:04:05.678Z","z":1}],"f":-0.5,"n":null}');
    expect(canonicalJson({ b: 1, a: 2 })).toBe(canonicalJson({ a: 2, b: 1 }));
    let deep: unknown = 'end';
    for (let i = 0; i < 200_000; i++) deep = { k: [deep] };
    expect(canonicalJson(deep)).toHaveLength(200_000 * 8 + 5);
  });

  it('signs cursors per key and kind, and reads back only what it signed', () => {
    const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const key = createSecretKey(randomBytes(32));
    const fields = [isTimestampText, (v: unknown): v is number => typeof v === 'number'] as const;
    const codec = cursorCodec('org-chats', fields);
    const token = codec.encode(key, ['2026-01-01T00:00:00.000001Z', 7]);
    expect(codec.decode(key, token, 'query.t')).toEqual(['2026-01-01T00:00:00.000001Z', 7]);
    const otherKind = cursorCodec('workspace-chats', fields);
    const objectToken = cursorCodec('org-chats', { not: (v: unknown): v is string => typeof v === 'string' }).encode(key, { not: 'an array' });
    for (const [k, c, t] of [
      [createSecretKey(randomBytes(32)), codec, token],
      [key, otherKind, token],
      [key, codec, `${token.slice(0, -1)}${token.endsWith('A') ? 'E' : 'A'}`],
      // The same signature bytes spelled otherwise: the last character's padding bit flipped.
      [key, codec, `${token.slice(0, -1)}${ALPHABET[ALPHABET.indexOf(token.at(-1)!) ^ 1]}`],
      [key, codec, token.split('.')[0]!],
      [key, codec, objectToken],
    ] as const) {
      expect(() => c.decode(k, t, 'query.t')).toThrow('query.t: is not a cursor this API returned');
    }
    expect(['2026-11-23 14:49:05.123456+00', '2024-02-29T23:59:59.999999Z', '0001-01-01 00:00:00+00'].every(isTimestampText)).toBe(true);
    expect(['2026-02-29 10:00:00+00', '2026-13-01 00:00:00+00', '2026-01-01 24:00:00+00', '0001-01-01 00:00:00+00 BC', 'now', 5].some(isTimestampText)).toBe(false);
  });
});

describe('text no column can hold: NUL and unpaired UTF-16 surrogates', () => {
  it('answers 400 at the location, for query values, path segments, rule values and JSON bodies', async () => {
    const { ws, chat, v2, org, stats } = await setup();
    const c = await chat();
    const cases: Array<[string, { method?: string; body?: unknown }, string]> = [
      ['/api/v1/chats?search=a%00b', {}, 'query.search'],
      ['/api/v1/chats/details?search=%00', {}, 'query.search'],
      [`${v2}?search=a%00`, {}, 'query.search'],
      [`${v2}/export?search=%00`, {}, 'query.search'],
      [`${org}?search=%00`, {}, 'query.search'],
      [`${v2}?${filters({ field: 'title', op: 'contains', value: 'a\u0000' })}`, {}, 'query.filters.value'],
      [`${v2}?${filters({ all: [{ field: 'label', op: 'in', value: ['ok', '\ud800'] }] })}`, {}, 'query.filters.all[0].value[1]'],
      [`${v2}/export?${filters({ field: 'content', op: 'contains', value: '\udc00x' })}`, {}, 'query.filters.value'],
      [`/v1/chatbots/a%00b/statistics/channels`, {}, 'path.chatbotId'],
      [`${stats}/reports/overview?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&interval=86400&components=0&timezone=UTC%00`, {}, 'query.timezone'],
      ['/api/v1/chats', { method: 'POST', body: { channelId: null, ownerId: ws.contact.identityId, title: 'a\u0000b' } }, 'body.title'],
      [`/api/v1/chats/${c.id}`, { method: 'PATCH', body: { title: '\ud83d' } }, 'body.title'],
      [`${v2}/${c.number}/messages`, { method: 'POST', body: { role: 'user', content: 'hi\u0000' } }, 'body.content'],
      [`${v2}/${c.number}/messages`, { method: 'POST', body: { role: 'user', content: 'x\ud800y' } }, 'body.content'],
      [`${v2}/${c.number}/send-assistant-message`, { method: 'POST', body: { message: '\udfff' } }, 'body.message'],
      [`${v2}/${c.number}/send-assistant-message`, { method: 'POST', body: { message: 'ok', tool_calls: [{ name: 't', arguments: { x: '\ud800' } }] } }, 'body.tool_calls.0.arguments.x'],
      [`${v2}/${c.number}/send-assistant-message`, { method: 'POST', body: { message: 'ok', tool_calls: [{ name: 't', arguments: { ['k\u0000']: 1 } }] } }, 'body.tool_calls.0.arguments'],
    ];
    for (const [path, init, at] of cases) {
      const issue = await issueOf(await ws.request(path, init));
      expect({ url: path, ...issue }).toMatchObject({ url: path, status: 400, code: 'validation_failed', path: at });
    }
  });

  it('keeps text with paired surrogates (emoji) and other control characters as sent', async () => {
    const { ws, chat, v2 } = await setup();
    const c = await chat();
    const content = 'Thanks 👍🏽\ttab \u0001 \uffff done';
    const res = await ws.request(`${v2}/${c.number}/messages`, { method: 'POST', body: { role: 'user', content } });
    expect(res.status).toBe(201);
    expect((await res.json()).content).toBe(content);
    expect((await ws.request(`${v2}?search=${encodeURIComponent('👍🏽')}`)).status).toBe(200);
  });
});

describe('JSON bodies nested too deep or too large', () => {
  it('answers 400 before anything walks them, also with an Idempotency-Key (which hashes the body)', async () => {
    const { ws, chat, v2 } = await setup();
    const c = await chat();
    const deep = `{"message":"ok","tool_calls":[{"name":"t","arguments":{"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}}]}`;
    const res = await ws.request(`${v2}/${c.number}/send-assistant-message`, { method: 'POST', body: deep, headers: { 'idempotency-key': 'deep-1' } });
    const issue = await issueOf(res);
    expect(issue).toMatchObject({ status: 400, code: 'validation_failed', message: 'nests JSON deeper than 32 levels' });
    expect(issue.path).toMatch(/^body\.tool_calls\.0\.arguments\.x(\.0)+$/);
    const wide = JSON.stringify({ message: 'ok', tool_calls: [{ name: 't', arguments: { x: new Array(20_000).fill(1) } }] });
    expect(await issueOf(await ws.request(`${v2}/${c.number}/send-assistant-message`, { method: 'POST', body: wide }))).toMatchObject({
      status: 400,
      path: 'body',
      message: 'holds more than 10000 JSON values',
    });
    // 31 levels below the arguments object are fine: the tool's schema decides.
    const ok = `{"message":"ok","tool_calls":[{"name":"t","arguments":{"x":${'['.repeat(28)}${']'.repeat(28)}}}]}`;
    expect(await issueOf(await ws.request(`${v2}/${c.number}/send-assistant-message`, { method: 'POST', body: ok, headers: { 'idempotency-key': 'deep-2' } }))).toMatchObject({
      status: 400,
      path: 'body.tool_calls.0.name',
    });
  });
});

describe('cursors and page tokens', () => {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  /** A cursor with one character of its payload changed. */
  const tamper = (cursor: string) => `${cursor[0] === 'e' ? 'f' : 'e'}${cursor.slice(1)}`;

  async function paged() {
    const s = await setup();
    const chats = [await s.chat('one'), await s.chat('two'), await s.chat('three')];
    await s.ws.appendMessages(chats[0]!.id, [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }, { role: 'user', content: 'c' }]);
    const list = await (await s.ws.request(`${s.v2}?pageSize=1`)).json();
    const messages = await (await s.ws.request(`${s.v2}/${chats[0]!.number}/messages?limit=1`)).json();
    const orgPage = await s.ws.request(`${s.org}?take=1`);
    const token = orgPage.headers.get('x-next-page-token')!;
    expect([list.nextCursor, messages.nextCursor, token].every((x) => typeof x === 'string' && x.length > 0)).toBe(true);
    return { ...s, chats, listCursor: list.nextCursor as string, messageCursor: messages.nextCursor as string, token };
  }

  it('answers 400 "is not a cursor this API returned" for forged, tampered and misused ones', async () => {
    const { ws, chats, v2, org, listCursor, messageCursor, token } = await paged();
    const messagesPath = `${v2}/${chats[0]!.number}/messages`;
    const forged: Array<[string, string]> = [
      // Unsigned positions, as clients could craft them: impossible dates, huge and fractional numbers.
      [`${v2}?cursor=${b64({ s: 'createdAt', o: 'desc', v: '2026-13-45 99:00:00+00', n: 1 })}`, 'query.cursor'],
      [`${v2}?cursor=${b64({ s: 'createdAt', o: 'desc', v: null, n: 1e300 })}`, 'query.cursor'],
      [`${v2}?cursor=${b64({ s: 'createdAt', o: 'desc', v: null, n: 1.5 })}`, 'query.cursor'],
      [`${messagesPath}?cursor=${b64({ o: 'desc', t: '2026-02-30 10:00:00+00', n: 1 })}`, 'query.cursor'],
      [`${org}?next_page_token=${b64(['2026-13-45T00:00:00.000000Z', ws.workspace.id])}`, 'query.next_page_token'],
      [`${v2}?cursor=${b64({ s: 'createdAt', o: 'desc', v: null, n: 1 })}.${'A'.repeat(43)}`, 'query.cursor'],
      [`${v2}?cursor=bm9uc2Vuc2U`, 'query.cursor'],
      // Real ones, changed or used where they do not belong.
      [`${v2}?pageSize=1&cursor=${tamper(listCursor)}`, 'query.cursor'],
      [`${messagesPath}?limit=1&cursor=${tamper(messageCursor)}`, 'query.cursor'],
      [`${org}?take=1&next_page_token=${tamper(token)}`, 'query.next_page_token'],
      [`${v2}?pageSize=1&cursor=${messageCursor}`, 'query.cursor'],
      [`${org}?take=1&next_page_token=${listCursor}`, 'query.next_page_token'],
      [`${messagesPath}?limit=1&cursor=${token}`, 'query.cursor'],
    ];
    for (const [path, at] of forged) {
      expect({ url: path, ...(await issueOf(await ws.request(path))) }).toMatchObject({ url: path, status: 400, code: 'validation_failed', path: at, message: 'is not a cursor this API returned' });
    }
    // Another workspace's cursors are not this one's, though they are real.
    const other = await paged();
    expect(await issueOf(await other.ws.request(`${other.v2}?pageSize=1&cursor=${listCursor}`))).toMatchObject({ status: 400, message: 'is not a cursor this API returned' });
    expect(await issueOf(await other.ws.request(`${other.org}?take=1&next_page_token=${token}`))).toMatchObject({ status: 400, path: 'query.next_page_token' });
    expect(await issueOf(await other.ws.request(`${other.v2}/${other.chats[0]!.number}/messages?limit=1&cursor=${messageCursor}`))).toMatchObject({ status: 400 });
  });

  it('keeps working with another key of the workspace, and keeps its sort binding', async () => {
    const { ws, chats, v2, org, listCursor, messageCursor, token } = await paged();
    const rotated = (await createApiKey(t.db, { workspaceId: ws.workspace.id, memberId: ws.admin.id, scopes: ['chats:read'] })).token;
    const next = await ws.request(`${v2}?pageSize=1&cursor=${listCursor}`, { key: rotated });
    expect(next.status).toBe(200);
    expect((await next.json()).chats.map((c: { title: string }) => c.title)).toEqual(['two']);
    const older = await ws.request(`${v2}/${chats[0]!.number}/messages?limit=1&cursor=${messageCursor}`, { key: rotated });
    expect((await older.json()).messages.map((m: { content: string }) => m.content)).toEqual(['b']);
    expect((await ws.request(`${org}?take=1&next_page_token=${token}`, { key: rotated })).status).toBe(200);
    const resorted = await issueOf(await ws.request(`${v2}?pageSize=1&sortBy=title&cursor=${listCursor}`));
    expect(resorted).toMatchObject({ status: 400, path: 'query.cursor', message: expect.stringContaining('another sortBy') });
  });
});

describe('rule-tree field names that are Object.prototype keys', () => {
  it('answers 400 naming the field, as for any unknown field', async () => {
    const { ws, v2 } = await setup();
    for (const field of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      for (const tree of [{ field, op: 'eq', value: 1 }, { any: [{ field, op: 'is_null', value: true }] }]) {
        const issue = await issueOf(await ws.request(`${v2}?${filters(tree)}`));
        expect({ field, ...issue }).toMatchObject({ field, status: 400, code: 'validation_failed', path: expect.stringMatching(/\.field$/) });
      }
    }
    expect((await issueOf(await ws.request(`${v2}?${filters({ __proto__: null, toString: [] })}`))).status).toBe(400);
  });
});

describe('instants', () => {
  it('accepts instants from 1970-01-01T00:00:00Z up to 9999-01-01T00:00:00Z, and answers 400 outside', async () => {
    const { ws, chat, v2, stats } = await setup();
    const c = await chat();
    const overview = (from: string, to: string, timezone = 'Pacific/Kiritimati') =>
      ws.request(`${stats}/reports/overview?from=${from}&to=${to}&interval=86400&components=0,1,2,3,4,5,6,7,8,9,10,11&timezone=${timezone}`);
    expect(await issueOf(await overview('9999-12-30T00:00:00Z', '9999-12-31T23:59:59Z'))).toMatchObject({ status: 400, path: 'query.from' });
    expect(await issueOf(await overview('9998-12-01T00:00:00Z', '9999-01-01T00:00:00Z'))).toMatchObject({ status: 400, path: 'query.to' });
    expect((await overview('9998-12-01T00:00:00Z', '9998-12-31T23:59:59.999Z')).status).toBe(200);
    expect((await overview('1970-01-01T00:00:00Z', '1970-01-31T00:00:00Z', 'UTC')).status).toBe(200);
    expect(await issueOf(await overview('0001-01-01T00:00:00Z', '0001-01-02T00:00:00Z', 'UTC'))).toMatchObject({ status: 400, path: 'query.from' });
    expect(await issueOf(await ws.request(`${stats}/inbox?from=1969-12-31T23:59:59Z&to=1970-01-02T00:00:00Z`))).toMatchObject({ status: 400, path: 'query.from' });

    const record = (createdAt: string) => ws.request(`${v2}/${c.number}/messages`, { method: 'POST', body: { role: 'user', content: 'x', createdAt } });
    expect(await issueOf(await record('0000-01-01T00:00:00Z'))).toMatchObject({ status: 400, path: 'body.createdAt', message: expect.stringContaining('1970-01-01T00:00:00Z') });
    expect((await record('1970-01-01T00:00:00Z')).status).toBe(201);
    expect((await record('1970-01-01T00:00:00.001Z')).status).toBe(201);
    // The earliest messages page on by cursor like any others.
    const first = await (await ws.request(`${v2}/${c.number}/messages?limit=1&order=asc`)).json();
    const second = await ws.request(`${v2}/${c.number}/messages?limit=1&order=asc&cursor=${first.nextCursor}`);
    expect(second.status).toBe(200);
    expect((await second.json()).messages[0].timestamp).toBe('1970-01-01T00:00:00.001Z');

    expect(await issueOf(await ws.request(`/api/v1/chats/${c.id}`, { method: 'PATCH', body: { lastChatMessageCreatedAt: '9999-06-01T00:00:00Z' } }))).toMatchObject({ status: 400, path: 'body.lastChatMessageCreatedAt' });
    expect(await issueOf(await ws.request(`${v2}?createdAfter=1969-01-01T00:00:00Z`))).toMatchObject({ status: 400, path: 'query.createdAfter' });
    expect(await issueOf(await ws.request(`${v2}?${filters({ field: 'createdAt', op: 'between', value: ['0001-01-01T00:00:00Z', '2026-01-01T00:00:00Z'] })}`))).toMatchObject({
      status: 400,
      path: 'query.filters.value[0]',
    });
  });
});

describe('integer parameters and UUIDs', () => {
  it('reads integers in decimal digits only', async () => {
    const { ws, chat, v2, org } = await setup();
    const c = await chat();
    for (const id of [`0x${c.number.toString(16)}`, `${c.number}e0`, `${c.number}.0`, `+${c.number}`, '-1', '0', ' 1', '1e3', '0b1', 'Infinity']) {
      expect({ id, ...(await issueOf(await ws.request(`${v2}/${encodeURIComponent(id)}/messages`))) }).toMatchObject({ id, status: 400, path: 'path.chat_id' });
    }
    expect((await ws.request(`${v2}/0${c.number}/messages`)).status).toBe(200);
    const queries: Array<[string, string]> = [
      ['/api/v1/chats?pageSize=1e1', 'query.pageSize'],
      ['/api/v1/chats/details?pageNumber=0x2', 'query.pageNumber'],
      [`${org}?take=1e1`, 'query.take'],
      [`${org}?page=1.5`, 'query.page'],
      [`${v2}?page=1e0`, 'query.page'],
      [`${v2}?memberId=0x${ws.member.id.toString(16)}`, 'query.memberId'],
      [`${v2}?assistantMemberId=1e3`, 'query.assistantMemberId'],
      [`${v2}?pageSize=99999999999999999999999`, 'query.pageSize'],
      [`${v2}/${c.number}/messages?limit=-1`, 'query.limit'],
      [`${v2}?page=1&page=2`, 'query.page'],
    ];
    for (const [url, at] of queries) expect({ url, ...(await issueOf(await ws.request(url))) }).toMatchObject({ url, status: 400, path: at });
  });

  it('reads upper-case UUIDs as their lower-case selves on every route', async () => {
    const { ws, chat, v2, stats } = await setup();
    const c = await chat();
    const message = await (await ws.request(`${v2}/${c.number}/messages`, { method: 'POST', body: { role: 'assistant', content: 'hello' } })).json();
    const up = (s: string) => s.toUpperCase();
    const orgUp = `/v1/orgs/${up(ws.workspace.id)}/chats`;
    expect((await ws.request(`/api/v1/chats/${up(c.id)}`)).status).toBe(200);
    expect((await (await ws.request(`/api/v1/chats/${up(c.id)}/details`)).json()).id).toBe(c.id);
    expect(await (await ws.request(`/api/v1/chats?channelIds=${up(ws.channels.sms.id)}&channelTypes=sms`)).json()).toMatchObject([{ id: c.id }]);
    expect((await ws.request(orgUp)).status).toBe(200);
    expect((await ws.request(`${orgUp}/${up(c.id)}/read`, { method: 'POST' })).status).toBe(200);
    expect((await ws.request(`/api/v2/w/${up(ws.workspace.id)}/chats`)).status).toBe(200);
    const rated = await ws.request(`${v2}/${c.number}/messages/${up(message.uuid)}/rate`, { method: 'POST', body: { rating: 1 } });
    expect(rated.status).toBe(200);
    expect((await rated.json()).uuid).toBe(message.uuid);
    const period = 'from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&interval=86400&components=0';
    expect((await ws.request(`${stats}/reports/channel?channelId=${up(ws.channels.sms.id)}&${period}`)).status).toBe(200);
    expect((await ws.request(`/v1/chatbots/${up(ws.agent.identityId)}/statistics/channels`)).status).toBe(200);
  });
});

describe('request heads Node refuses', () => {
  let server: ReturnType<typeof serveLocal>;
  let port: number;
  beforeAll(async () => {
    const app = createLocalApp({ db: async () => t.db });
    await new Promise<void>((resolve) => {
      server = serveLocal({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve());
    });
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const send = (headers: Record<string, string>) =>
    new Promise<{ status: number; type: string | undefined; body: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/', headers }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], body }));
      });
      req.on('error', reject);
      req.end();
    });

  it('answers a head over the size limit with 431 headers_too_large in the error shape, and keeps serving', async () => {
    const res = await send({ 'x-filler': 'x'.repeat(20_000) });
    expect(res.status).toBe(431);
    expect(res.type).toContain('application/json');
    expect(JSON.parse(res.body).error).toMatchObject({ code: 'headers_too_large', requestId: expect.any(String), message: expect.stringContaining('KB') });
    expect((await send({})).status).toBe(200);
  });

  it('answers a request that is not HTTP with 400 bad_request in the error shape', async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      let data = '';
      socket.on('data', (d) => (data += d));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)).error).toMatchObject({ code: 'bad_request' });
    expect((await send({})).status).toBe(200);
  });
});

/**
 * The database, except that the first read of an Idempotency-Key claim (after its insert conflicted)
 * waits for `beforeRead`: the interleaving that parallel requests hit now and then, made certain.
 */
function holdingFirstClaimRead(db: Kysely<Database>, beforeRead: () => Promise<unknown>): Kysely<Database> {
  let held = false;
  const holding = (builder: object): object =>
    new Proxy(builder, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (typeof value !== 'function') return value;
        if (prop === 'executeTakeFirst' || prop === 'executeTakeFirstOrThrow') {
          return async (...args: unknown[]) => {
            await beforeRead();
            return value.apply(target, args);
          };
        }
        return (...args: unknown[]) => {
          const next = value.apply(target, args);
          return typeof next === 'object' && next !== null ? holding(next) : next;
        };
      },
    });
  return new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (prop !== 'selectFrom') return typeof value === 'function' ? value.bind(target) : value;
      return (table: 'idempotency_keys') => {
        const builder = target.selectFrom(table);
        if (table !== 'idempotency_keys' || held) return builder;
        held = true;
        return holding(builder);
      };
    },
  });
}

describe('an idempotent request racing its own failed first run', () => {
  let stub: Awaited<ReturnType<typeof startHttpStub>>;
  let called!: () => void;
  let answer!: () => void;
  const firstCall = new Promise<void>((resolve) => (called = resolve));
  const gate = new Promise<void>((resolve) => (answer = resolve));
  beforeAll(async () => {
    // The tool always fails; its first call only once the gate opens.
    stub = await startHttpStub(async (_req, res) => {
      called();
      await gate;
      sendJson(res, 502, { error: 'warehouse offline' });
    });
  });
  afterAll(() => stub.close());

  it('answers each of 40 parallel requests under one key with 409 or its own run of the request, never "no result"', async () => {
    const providers = createProviders(parseConfig({}).providers, { log: () => {} });
    let first!: Promise<{ status: number; message: string | undefined }>;
    let answered = 0;
    let othersAnswered!: () => void;
    const othersDone = new Promise<void>((resolve) => (othersAnswered = resolve));
    // The first request to find the key taken reads the claim only once every other one has its answer
    // (409: the first run holds the key) and the first run has failed and let the key go.
    const db = holdingFirstClaimRead(t.db, async () => {
      await othersDone;
      answer();
      await first;
    });
    const ws = await createTestWorkspace(db, { providers });
    const c = await insertChat(t.db, {
      workspaceId: ws.workspace.id,
      channelId: ws.channels.sms.id,
      ownerId: ws.contact.identityId,
      responderId: ws.agent.identityId,
      currentResponderId: ws.agent.identityId,
      responderVersionId: null,
      title: 'Order',
    });
    await insertChatTool(t.db, { workspaceId: ws.workspace.id, chatId: c.id, name: 'lookup', callbackUrl: `${stub.url}/lookup` });
    const body = { message: 'Your order shipped.', tool_calls: [{ name: 'lookup', arguments: {} }] };
    const send = async () => {
      const res = await ws.request(`/api/v2/w/${ws.workspace.id}/chats/${c.number}/send-assistant-message`, { method: 'POST', body, headers: { 'idempotency-key': 'race-1' } });
      return { status: res.status, message: (await res.json()).error?.message as string | undefined };
    };
    first = send();
    await firstCall;
    const others = Array.from({ length: 39 }, () => send().finally(() => ++answered === 38 && othersAnswered()));
    const responses = [await first, ...(await Promise.all(others))];
    const failures = responses.filter((r) => r.status >= 500);
    expect(failures.filter((f) => !/Tool "lookup" failed/.test(f.message ?? '')), responses.map((r) => r.status).join(' ')).toEqual([]);
    expect(responses.filter((r) => r.status !== 409 && r.status !== 500)).toEqual([]);
    // Every failure is a run of its own: the tool was called once for each, and nothing was sent.
    expect(stub.requests.length).toBe(failures.length);
    expect(failures.length).toBeGreaterThanOrEqual(2);
    expect(await listDeliveries(t.db, ws.workspace.id)).toEqual([]);
  });
});
