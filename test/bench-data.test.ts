import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfillStatistics, pendingStatistics } from '@parley/core';
import { createDb, type DbHandle, migrateToLatest } from '@parley/db';
import { sql } from 'kysely';
import { generateBenchData } from './bench/generate.js';

// The benchmark's data set, loaded small into a fresh embedded database of its own (the loader drops and
// rebuilds indexes, which a shared test database must not see): it must keep up with the schema.
let handle: DbHandle;
beforeAll(async () => {
  handle = await createDb({ driver: 'pglite' });
  await migrateToLatest(handle.db);
});
afterAll(async () => {
  await handle?.close();
});

describe('bench data set', () => {
  it('loads on the current schema, with every index back, and the statistics backfill runs over it', async () => {
    const progress: Array<{ phase: string; done?: number; total?: number }> = [];
    const ds = await generateBenchData(handle.db, { chats: 300, messagesPerChat: 4, contacts: 40, onProgress: (phase, rows) => progress.push({ phase, ...rows }) });
    // Its progress, as a progress printer shows it: each phase, and the chats loaded of how many.
    expect(progress.map((p) => p.phase)).toEqual(['actors and contacts', 'chats, tickets and messages', 'chats, tickets and messages', 'keys and indexes', 'vacuum analyze']);
    expect(progress[2]).toMatchObject({ done: 300, total: 300 });
    const counts = await sql<{ chats: number; messages: number }>`
      select (select count(*)::int from chats where workspace_id = ${ds.workspaceId}) as chats,
             (select count(*)::int from messages where workspace_id = ${ds.workspaceId}) as messages`.execute(handle.db);
    expect(counts.rows[0]).toEqual({ chats: 300, messages: 1200 });
    expect(ds.sampleChatIds.length).toBeGreaterThan(0);
    expect(ds.ownerIds.length).toBeGreaterThan(0);

    const invalid = await sql<{ n: number }>`
      select count(*)::int as n from pg_index i join pg_class c on c.oid = i.indrelid
      where c.relname in ('chats', 'messages', 'tickets') and not i.indisvalid`.execute(handle.db);
    expect(invalid.rows[0]!.n).toBe(0);

    // The loader's inserts mark their slices; the backfill clears the markers and builds every level.
    expect(await pendingStatistics(handle.db)).toBeGreaterThan(0);
    const spans: Array<{ spans: number; spansDone: number; rows: number }> = [];
    const backfill = await backfillStatistics(handle.db, { onProgress: (p) => spans.push(p) });
    expect(backfill.rows).toBeGreaterThan(0);
    // After the plan, then after each span, with the rollup rows written so far.
    expect(spans.map((p) => p.spansDone)).toEqual(Array.from({ length: backfill.spans + 1 }, (_, i) => i));
    expect(spans.at(-1)).toEqual({ spans: backfill.spans, spansDone: backfill.spans, rows: backfill.rows });
    expect(await pendingStatistics(handle.db)).toBe(0);
    const sizes = await sql<{ size: number }>`select distinct size from stats_rollups order by size`.execute(handle.db);
    expect(sizes.rows.map((r) => r.size)).toEqual([900, 3600, 86400, 1382400]);
  });
});
