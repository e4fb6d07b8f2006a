import { findChatDetails, listChatDetailRecords } from '@parley/db';
import { sql } from 'kysely';
import { measureDirect, measureHttp } from '../measure.js';
import { pgbench } from '../pgbench.js';
import { type BenchRow, type BenchScenario, clean, p99Within } from '../scenario.js';

/** Seed 001: chat details by id and the details list with two filters. */
export const chatsV1: BenchScenario = {
  name: 'chats-v1',
  async run({ db, url, dataset: ds, base, headers, concurrency, seconds }) {
    // A thousand live chats spread over the whole table, the same ones every run.
    const ids = (
      await sql<{ id: string }>`select id from chats where workspace_id = ${ds.workspaceId} and not is_removed and number % 997 = 0 order by number limit 1000`.execute(db)
    ).rows.map((r) => r.id);
    // Two filters: a channel and its responder, the way an inbox narrows a busy workspace.
    const listFilter = { channelIds: [ds.channelIds[0]!], responderIds: [ds.responderIds[0]!] };
    const listPaths = [1, 2, 3, 4, 5].map((p) => `/api/v1/chats/details?channelIds=${listFilter.channelIds[0]}&responderIds=${listFilter.responderIds[0]}&pageSize=20&pageNumber=${p}`);
    // The bench's key holds every scope: the whole workspace, anonymous chats included.
    const reach = { workspaceId: ds.workspaceId, member: null, anonymous: true };
    const principalFilter = { reach, ...listFilter };

    // Warm up caches and connections for both paths before measuring.
    await measureDirect((i) => findChatDetails(db, reach, ids[i % ids.length]!), { concurrency, seconds: 2 });
    await measureHttp(base, ids.slice(0, 50).map((id) => `/api/v1/chats/${id}/details`), { concurrency, seconds: 2, headers });

    const details: BenchRow = {
      name: 'GET /api/v1/chats/{id}/details',
      http: await measureHttp(base, ids.map((id) => `/api/v1/chats/${id}/details`), { concurrency, seconds, headers }),
      direct: await measureDirect((i) => findChatDetails(db, reach, ids[i % ids.length]!), { concurrency, seconds }),
    };
    const list: BenchRow = {
      name: 'GET /api/v1/chats/details (2 filters)',
      http: await measureHttp(base, listPaths, { concurrency, seconds, headers }),
      direct: await measureDirect((i) => listChatDetailRecords(db, principalFilter, { offset: (i % 5) * 20, limit: 20 }), { concurrency, seconds }),
    };
    // The database's own limit for a lookup by key: pgbench's bare primary-key lookup on chats at the same concurrency.
    const range = (await sql<{ lo: number; hi: number }>`select min(number) as lo, max(number) as hi from chats where workspace_id = ${ds.workspaceId}`.execute(db)).rows[0]!;
    const lookup = `\\set n random(${range.lo}, ${range.hi})\nselect * from chats where number = :n;\n`;
    const simple = await pgbench(url, lookup, { clients: concurrency, seconds, mode: 'simple' });
    const prepared = await pgbench(url, lookup, { clients: concurrency, seconds, mode: 'prepared' });
    details.notes = [
      prepared === undefined
        ? 'pgbench not found: install the PostgreSQL server packages for the lookup ceiling'
        : `pgbench "select * from chats where number = $1", ${concurrency} clients: ${simple!.toFixed(0)} tps unprepared, ${prepared.toFixed(0)} tps prepared; ` +
          `details over HTTP = ${((100 * details.http.perSecond) / prepared).toFixed(1)}% of prepared`,
    ];
    const ratio = details.http.perSecond / details.direct.perSecond;
    const ofLimit = prepared ? details.http.perSecond / prepared : 0;
    return {
      rows: [details, list],
      targets: [
        { target: 'details by id: HTTP throughput >= 50% of the direct query', ratio, pass: clean(details) && ratio >= 0.5 },
        { target: "details by id: HTTP throughput >= 10% of pgbench's prepared primary-key lookup", ratio: ofLimit, pass: clean(details) && ofLimit >= 0.1 },
        p99Within(list, 3, 'list with 2 filters: HTTP p99 <= 3x the direct query p99'),
      ],
    };
  },
};
