import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createApiKey, type EventInput, recordEvent, recordEvents } from '@parley/core';
import { currentSnapshot, type EventHead, type EventPosition, insertChat, insertParticipant, readEventHeadsForEndpoints } from '@parley/db';
import { testDriver, useTestDb } from './harness/db.js';
import { createTestWorkspace, type TestWorkspace } from './harness/workspace.js';

// The event log and its changefeed: appends commit with the change or not at all, and a reader that
// follows the cursor sees every committed event once, in one order, whatever the commit order.

const t = useTestDb();

const feed = (ws: TestWorkspace) => `/api/v2/w/${ws.workspace.id}/events`;
const chatEvent = (ws: TestWorkspace, chat: { id: string; number: number }, n: number): EventInput => ({
  workspaceId: ws.workspace.id,
  type: 'chat.updated',
  resourceId: chat.id,
  chatId: chat.id,
  data: { chat: { id: chat.id, number: chat.number }, changes: { n } },
});
const newChat = (ws: TestWorkspace, title = 'Events') =>
  insertChat(t.db, {
    workspaceId: ws.workspace.id,
    channelId: ws.channels.sms.id,
    ownerId: ws.contact.identityId,
    responderId: ws.agent.identityId,
    currentResponderId: ws.agent.identityId,
    responderVersionId: null,
    title,
  });

/** Every event from `after` on, following nextCursor until endOfStream. */
async function readAll(ws: TestWorkspace, options: { after?: string; key?: string; types?: string; limit?: number } = {}) {
  const events: Array<{ id: string; type: string; data: any }> = [];
  let after = options.after;
  for (;;) {
    const query = new URLSearchParams({ limit: String(options.limit ?? 100), ...(after && { after }), ...(options.types && { types: options.types }) });
    const res = await ws.request(`${feed(ws)}?${query}`, { key: options.key });
    expect(res.status, await res.clone().text()).toBe(200);
    const page = await res.json();
    events.push(...page.events);
    after = page.nextCursor;
    if (page.endOfStream) return { events, cursor: after! };
  }
}

describe('the event log', () => {
  it('keeps no event of a transaction that rolled back, and the event of one that committed', async () => {
    const ws = await createTestWorkspace(t.db);
    const chat = await newChat(ws);
    await expect(
      t.db.transaction().execute(async (trx) => {
        await recordEvent(trx, chatEvent(ws, chat, 1));
        throw new Error('the change fails after its event was appended');
      }),
    ).rejects.toThrow('the change fails');
    expect((await readAll(ws)).events).toEqual([]);
    await t.db.transaction().execute((trx) => recordEvent(trx, chatEvent(ws, chat, 2)));
    expect((await readAll(ws)).events.map((e) => e.data.changes.n)).toEqual([2]);
  });

  it('pages in log order with a signed cursor and says when it has caught up', async () => {
    const ws = await createTestWorkspace(t.db);
    const chat = await newChat(ws);
    await recordEvents(t.db, [1, 2, 3, 4, 5].map((n) => chatEvent(ws, chat, n)));
    const first = await (await ws.request(`${feed(ws)}?limit=2`)).json();
    expect(first.events.map((e: any) => e.data.changes.n)).toEqual([1, 2]);
    expect(first.endOfStream).toBe(false);
    expect(first.events[0]).toMatchObject({ type: 'chat.updated', workspaceId: ws.workspace.id, resourceId: chat.id, schemaVersion: 1, id: expect.any(String), timestamp: expect.any(String) });
    const rest = await readAll(ws, { after: first.nextCursor, limit: 2 });
    expect(rest.events.map((e) => e.data.changes.n)).toEqual([3, 4, 5]);
    // Caught up: the cursor stays valid, and answers the next events only.
    expect((await readAll(ws, { after: rest.cursor })).events).toEqual([]);
    await recordEvent(t.db, chatEvent(ws, chat, 6));
    expect((await readAll(ws, { after: rest.cursor })).events.map((e) => e.data.changes.n)).toEqual([6]);
    // Filtered by type: the cursor moves past the others.
    expect((await readAll(ws, { types: 'chat.created' })).events).toEqual([]);
    // A tampered cursor, or another workspace's, is a 400.
    const other = await createTestWorkspace(t.db);
    for (const after of [`${first.nextCursor}x`, 'eyJ0IjoiMSIsInMiOjB9.AAAA', first.nextCursor]) {
      const res = await (after === first.nextCursor ? other : ws).request(`${feed(after === first.nextCursor ? other : ws)}?after=${encodeURIComponent(after)}`);
      expect(res.status, after).toBe(400);
      expect((await res.json()).error.code).toBe('validation_failed');
    }
    expect((await ws.request(`${feed(ws)}?types=chat.nope`)).status).toBe(400);
    expect((await ws.request(`${feed(ws)}?wait=21`)).status).toBe(400);
  });

  it('long-polls: an empty read with wait answers with the event committed while it waited', async () => {
    const ws = await createTestWorkspace(t.db);
    const chat = await newChat(ws);
    const { cursor } = await readAll(ws);
    const waiting = ws.request(`${feed(ws)}?after=${encodeURIComponent(cursor)}&wait=20`);
    await new Promise((r) => setTimeout(r, 300));
    await recordEvent(t.db, chatEvent(ws, chat, 7));
    const page = await (await waiting).json();
    expect(page.events.map((e: any) => e.data.changes.n)).toEqual([7]);
  });

  it('shows members the events of the chats within their reach only', async () => {
    const ws = await createTestWorkspace(t.db);
    const theirs = await newChat(ws, 'Theirs');
    await insertParticipant(t.db, { chatId: theirs.id, memberId: ws.member.id });
    const others = await newChat(ws, 'Not theirs');
    await recordEvents(t.db, [chatEvent(ws, theirs, 1), chatEvent(ws, others, 2)]);
    await recordEvents(t.db, [
      { workspaceId: ws.workspace.id, type: 'export.completed', resourceId: randomUUID(), memberId: ws.member.id, data: { n: 3 } },
      { workspaceId: ws.workspace.id, type: 'export.completed', resourceId: randomUUID(), memberId: ws.admin.id, data: { n: 4 } },
      { workspaceId: ws.workspace.id, type: 'webhook_endpoint.disabled', resourceId: randomUUID(), data: { n: 5 } },
    ]);
    const n = (events: Array<{ data: any }>) => events.map((e) => e.data.changes?.n ?? e.data.n);
    const memberKey = (await createApiKey(t.db, { workspaceId: ws.workspace.id, memberId: ws.member.id, scopes: ['chats:read'] })).token;
    expect(n((await readAll(ws, { key: memberKey })).events)).toEqual([1, 3]);
    expect(n((await readAll(ws, { key: ws.keys.read })).events)).toEqual([1, 2, 3, 4]);
    expect(n((await readAll(ws)).events)).toEqual([1, 2, 3, 4, 5]);
  });
});

describe("the webhook dispatcher's read", () => {
  it('has the heads of the events of workspaces with an enabled endpoint only, in log order, and moves past the rest', async () => {
    const [subscribed, quiet] = [await createTestWorkspace(t.db), await createTestWorkspace(t.db)];
    const endpoint = await t.db
      .insertInto('webhook_endpoints')
      .values({ workspace_id: subscribed.workspace.id, url: 'https://hooks.example.test/in', event_types: [], description: null, disabled_reason: null, last_success_at: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    const start = { seen: await currentSnapshot(t.db) };
    const [a, b] = [await newChat(subscribed), await newChat(quiet)];
    for (let n = 0; n < 5; n++) {
      await recordEvents(t.db, [chatEvent(subscribed, a, n)]);
      await recordEvents(t.db, [chatEvent(quiet, b, n)]);
    }
    const written = (await t.db.selectFrom('events').select('id').where('workspace_id', '=', subscribed.workspace.id).orderBy(sql`tx`).orderBy('seq').execute()).map((r) => r.id);
    expect(written).toHaveLength(5);
    // Pages of two: other test files' workspaces may hold endpoints too, so only these two workspaces count.
    const heads: EventHead[] = [];
    let after: EventPosition = start;
    for (;;) {
      const read = await readEventHeadsForEndpoints(t.db, { after, limit: 2 });
      heads.push(...read.events);
      after = read.next;
      if (read.caughtUp) break;
    }
    expect(heads.filter((h) => h.workspaceId === subscribed.workspace.id).map((h) => h.id)).toEqual(written);
    expect(heads.some((h) => h.workspaceId === quiet.workspace.id)).toBe(false);
    expect(Object.keys(heads[0]!).sort()).toEqual(['id', 'seq', 'tx', 'type', 'workspaceId']);
    // Disabled, the endpoint no longer brings its workspace's events; and nothing read before comes again.
    await t.db.updateTable('webhook_endpoints').set({ enabled: false }).where('id', '=', endpoint.id).execute();
    await recordEvents(t.db, [chatEvent(subscribed, a, 9)]);
    const later = await readEventHeadsForEndpoints(t.db, { after, limit: 100 });
    expect(later.events.filter((h) => h.workspaceId === subscribed.workspace.id || h.workspaceId === quiet.workspace.id)).toEqual([]);
  });
});

describe('the changefeed under concurrent writers', () => {
  it('loses and duplicates nothing while transactions commit out of order', { timeout: 60_000 }, async () => {
    const ws = await createTestWorkspace(t.db);
    const chat = await newChat(ws);
    const writers = testDriver() === 'pglite' ? 40 : 120;
    const seen: string[] = [];
    let cursor: string | undefined;
    let done = false;
    // The reader follows the feed the whole time, as a client would.
    const reader = (async () => {
      for (;;) {
        const finished = done;
        const page = await (await ws.request(`${feed(ws)}?limit=7${cursor ? `&after=${encodeURIComponent(cursor)}` : ''}`)).json();
        seen.push(...page.events.map((e: { id: string }) => e.id));
        cursor = page.nextCursor;
        if (finished && page.endOfStream) return;
        if (page.endOfStream) await new Promise((r) => setTimeout(r, 5));
      }
    })();
    // Each writer appends its events, then holds its transaction open for a random while before it commits
    // or (one in five) rolls back: ids are taken in one order and made visible in another.
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const committed = new Set<string>();
    await Promise.all(
      Array.from({ length: writers }, async (_, i) => {
        const hold = Math.floor(random() * 40);
        const rollback = random() < 0.2;
        const count = 1 + Math.floor(random() * 3);
        await new Promise((r) => setTimeout(r, Math.floor(random() * 30)));
        try {
          await t.db.transaction().execute(async (trx) => {
            await recordEvents(trx, Array.from({ length: count }, (_, j) => chatEvent(ws, chat, i * 10 + j)));
            await new Promise((r) => setTimeout(r, hold));
            if (rollback) throw new Error('rolled back on purpose');
          });
          committed.add(String(i));
        } catch (err) {
          if (!rollback) throw err;
        }
      }),
    );
    done = true;
    await reader;
    const ids = await t.db.selectFrom('events').select('id').where('workspace_id', '=', ws.workspace.id).execute();
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(ids.map((r) => r.id).sort());
    // A second reader from the start sees the same events once each (in its own windows' order).
    expect((await readAll(ws)).events.map((e) => e.id).sort()).toEqual([...seen].sort());
  });
});
