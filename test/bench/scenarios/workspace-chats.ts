import { authenticate, buildChatFilter } from '@parley/core';
import { listWorkspaceChatRecords } from '@parley/db';
import { measureDirect, measureHttp } from '../measure.js';
import { type BenchRow, type BenchScenario, clean, p99Within } from '../scenario.js';

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

    // Issue 17, target 4: a term that matches nothing, a rare one (one chat's reference number) and a
    // common one (a topic word in most chats), each through the v2 list; p50 of sequential requests.
    const searchRows: BenchRow[] = [];
    const terms = { common: 'order', rare: 'ref 512345', none: 'zebra quantum' } as const;
    const p50s: Record<string, number> = {};
    for (const [kind, term] of Object.entries(terms)) {
      const searchPaths = [`/api/v2/w/${ds.workspaceId}/chats?search=${encodeURIComponent(term)}&pageSize=20`];
      const searchPrincipalFilter = buildChatFilter(principal, { chatType: [], channel: [], search: term });
      const searchDirect = () => listWorkspaceChatRecords(db, searchPrincipalFilter, sort, { offset: 0, limit: 20 });
      const first = await fetch(`${base}${searchPaths[0]}`, { headers });
      const count = first.status === 200 ? ((await first.json()) as { chats: unknown[] }).chats.length : -first.status;
      await measureHttp(base, searchPaths, { concurrency: 1, seconds: 1, headers });
      const searchRow: BenchRow = {
        name: `GET /api/v2/w/{ws}/chats?search= (${kind} term)`,
        http: await measureHttp(base, searchPaths, { concurrency: 1, seconds: Math.max(3, Math.ceil(seconds / 2)), headers }),
        direct: await measureDirect(searchDirect, { concurrency: 1, seconds: Math.max(3, Math.ceil(seconds / 2)) }),
        notes: [`"${term}": ${count} chats on the first page of 20`],
      };
      p50s[kind] = searchRow.http.p50;
      searchRows.push(searchRow);
    }
    const searchTargets = (['none', 'rare'] as const).map((kind) => {
      const ratio = p50s[kind]! / Math.max(p50s.common!, 0.001);
      const rowOf = searchRows.find((r) => r.name.includes(`(${kind} term)`))!;
      return { target: `search, ${kind === 'none' ? 'a term matching nothing' : 'a rare term'}: v2 list p50 <= 2x the common term's p50 (HTTP)`, ratio, pass: clean(rowOf) && ratio <= 2 };
    });
    return { rows: [row, ...searchRows], targets: [p99Within(row, 3, 'v2 list with 3 filters and a rule tree: HTTP p99 <= 3x the direct query p99'), ...searchTargets] };
  },
};
