import { authenticate, buildChatFilter } from '@parley/core';
import { listWorkspaceChatRecords } from '@parley/db';
import { measureDirect, measureHttp } from '../measure.js';
import { type BenchRow, type BenchScenario, p99Within } from '../scenario.js';

/**
 * Seed 000: the v2 list with three filters and a `filters` rule tree, through HTTP beside the
 * repository query it runs (the same SQL, no HTTP, no auth, no validation).
 */
export const workspaceChats: BenchScenario = {
  name: 'workspace-chats',
  async run({ db, dataset: ds, base, token, headers, concurrency, seconds }) {
    const tree = {
      all: [
        { any: [{ field: 'chatType', op: 'eq', value: 'assignment' }, { field: 'messageCount', op: 'gte', value: 12 }] },
        { field: 'lastMessageAt', op: 'gte', value: '2026-01-01T00:00:00Z' },
      ],
    };
    const params = { channel: ['whatsapp' as const], archived: false, needsResponse: true, filters: JSON.stringify(tree) };
    const query = `channel=whatsapp&archived=false&needsResponse=true&filters=${encodeURIComponent(params.filters)}&pageSize=20`;
    const paths = [1, 2, 3, 4, 5].map((p) => `/api/v2/w/${ds.workspaceId}/chats?${query}&page=${p}`);
    const principal = await authenticate(db, token);
    const filter = buildChatFilter(principal, { chatType: [], ...params });
    const sort = { field: 'createdAt', order: 'desc' } as const;
    const direct = (i: number) => listWorkspaceChatRecords(db, filter, sort, { offset: (i % 5) * 20, limit: 20 });

    const probe = await fetch(`${base}${paths[0]}`, { headers });
    if (probe.status !== 200) throw new Error(`workspace-chats: ${probe.status} ${await probe.text()}`);
    const found = ((await probe.json()) as { chats: unknown[] }).chats.length;
    await measureDirect(direct, { concurrency, seconds: 2 });
    await measureHttp(base, paths, { concurrency, seconds: 2, headers });

    const row: BenchRow = {
      name: 'GET /api/v2/w/{ws}/chats (3 filters + tree)',
      http: await measureHttp(base, paths, { concurrency, seconds, headers }),
      direct: await measureDirect(direct, { concurrency, seconds }),
      notes: [`${found} chats on the first page of 20`],
    };
    return { rows: [row], targets: [p99Within(row, 3, 'v2 list with 3 filters and a rule tree: HTTP p99 <= 3x the direct query p99')] };
  },
};
