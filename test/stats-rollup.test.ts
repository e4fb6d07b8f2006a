import { describe, expect, it } from 'vitest';
import { rollupRecentStats } from '@parley/core';
import { insertChat, listDailyStats, rollupDailyStats } from '@parley/db';
import { useTestDb } from './harness/db.js';
import { createTestWorkspace, type TestWorkspace } from './harness/workspace.js';

const t = useTestDb();

async function chatAt(ws: TestWorkspace, channelId: string | null, createdAt: string) {
  return insertChat(t.db, {
    workspaceId: ws.workspace.id,
    channelId,
    ownerId: ws.contact.identityId,
    responderId: ws.agent.identityId,
    currentResponderId: ws.agent.identityId,
    responderVersionId: null,
    title: null,
    createdAt: new Date(createdAt),
  });
}

describe('daily stats rollup', () => {
  it("buckets chats and messages by the workspace's local day and channel, across a DST change", async () => {
    const ws = await createTestWorkspace(t.db, { timeZone: 'Europe/Berlin' });
    // 2025-03-30 in Berlin is 23 hours long: 2025-03-29T23:00Z .. 2025-03-30T22:00Z.
    const a = await chatAt(ws, ws.channels.whatsapp.id, '2025-03-29T22:59:00Z'); // 29th local
    const b = await chatAt(ws, ws.channels.whatsapp.id, '2025-03-29T23:00:00Z'); // 30th local
    await chatAt(ws, ws.channels.sms.id, '2025-03-30T21:59:00Z'); // 30th local (23:59 CEST)
    await chatAt(ws, null, '2025-03-30T22:00:00Z'); // 31st local
    await ws.appendMessages(a.id, [
      { role: 'user', content: 'hi', createdAt: new Date('2025-03-29T22:59:30Z') },
      { role: 'assistant', content: 'hello', createdAt: new Date('2025-03-29T23:00:30Z') },
    ]);
    await ws.appendMessages(b.id, [{ role: 'note', content: 'n', createdAt: new Date('2025-03-30T10:00:00Z') }]);

    await rollupDailyStats(t.db, new Date('2025-03-29T00:00:00Z'), new Date('2025-03-31T12:00:00Z'));
    const rows = await listDailyStats(t.db, ws.workspace.id, '2025-03-28', '2025-04-01');
    const wa = ws.channels.whatsapp.id;
    const sms = ws.channels.sms.id;
    const pick = (day: string, channelId: string | null) => rows.find((r) => r.day === day && r.channelId === channelId);
    expect(pick('2025-03-29', wa)).toMatchObject({ chatsCreated: 1, messages: 1, userMessages: 1, assistantMessages: 0 });
    expect(pick('2025-03-30', wa)).toMatchObject({ chatsCreated: 1, messages: 2, userMessages: 0, assistantMessages: 1 });
    expect(pick('2025-03-30', sms)).toMatchObject({ chatsCreated: 1, messages: 0 });
    expect(pick('2025-03-31', null)).toMatchObject({ chatsCreated: 1, messages: 0 });
    expect(rows).toHaveLength(4);

    // Running it again changes nothing; a removed chat drops out of the recomputed days.
    await rollupDailyStats(t.db, new Date('2025-03-29T00:00:00Z'), new Date('2025-03-31T12:00:00Z'));
    expect(await listDailyStats(t.db, ws.workspace.id, '2025-03-28', '2025-04-01')).toEqual(rows);
    await t.db.updateTable('chats').set({ is_removed: true }).where('id', '=', b.id).execute();
    await rollupDailyStats(t.db, new Date('2025-03-30T12:00:00Z'), new Date('2025-03-30T12:00:00Z'));
    const after = await listDailyStats(t.db, ws.workspace.id, '2025-03-28', '2025-04-01');
    expect(after.find((r) => r.day === '2025-03-30' && r.channelId === wa)).toMatchObject({ chatsCreated: 0, messages: 1, assistantMessages: 1 });
  });

  it('the scheduled rollup covers the last 48 hours', async () => {
    const ws = await createTestWorkspace(t.db, { timeZone: 'America/New_York' });
    const now = new Date('2026-01-10T12:00:00Z');
    await chatAt(ws, ws.channels.api.id, '2026-01-09T15:00:00Z');
    await chatAt(ws, ws.channels.api.id, '2026-01-01T15:00:00Z'); // outside the window
    const result = await rollupRecentStats(t.db, now);
    expect(result.from.toISOString()).toBe('2026-01-08T12:00:00.000Z');
    expect(await listDailyStats(t.db, ws.workspace.id, '2025-12-01', '2026-02-01')).toEqual([
      { day: '2026-01-09', channelId: ws.channels.api.id, chatsCreated: 1, messages: 0, userMessages: 0, assistantMessages: 0 },
    ]);
  });
});
