import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDb, type DbHandle, statementName } from '@parley/db';
import { sql } from 'kysely';
import { servePglite } from './harness/pglite-server.js';

// The `pg` and `neon` pools name every parameterised query after its text (packages/db/src/prepared.ts),
// so a connection plans each shape once. Against DATABASE_URL's server with its driver; by default an
// embedded PGlite served over the Postgres protocol through `pg`, where nothing is named (its one
// session is shared by every connection).

let handle: DbHandle;
let plain: DbHandle;
let stop: (() => Promise<void>) | undefined;
let onPglite = false;

beforeAll(async () => {
  let url = process.env.DATABASE_URL;
  const driver = url && process.env.DATABASE_DRIVER === 'neon' ? 'neon' : 'pg';
  if (!url) {
    const served = await servePglite();
    url = served.url;
    stop = served.stop;
    onPglite = true;
  }
  const neonWsProxy = driver === 'neon' ? inject('neonWsProxy') : undefined;
  // One connection each, so what one query prepared the next one sees.
  handle = await createDb({ driver, url, neonWsProxy, maxConnections: 1 });
  plain = await createDb({ driver, url, neonWsProxy, maxConnections: 1, preparedStatements: false });
});

afterAll(async () => {
  await handle?.close();
  await plain?.close();
  await stop?.();
});

const table = `prepared_${process.pid}_${Date.now()}`;

describe('named prepared statements', () => {
  it('prepare a parameterised query once per connection and reuse it (not on PGlite)', async () => {
    const lookup = (db: DbHandle['db'], n: number) => sql<{ n: number }>`select ${n}::int + 1 as n`.execute(db);
    expect((await lookup(handle.db, 1)).rows).toEqual([{ n: 2 }]);
    expect((await lookup(handle.db, 41)).rows).toEqual([{ n: 42 }]);
    const name = statementName(sql`select ${1}::int + 1 as n`.compile(handle.db).sql);
    const prepared = await sql<{ name: string }>`select name from pg_prepared_statements where name = ${name}`.execute(handle.db);
    expect(prepared.rows.map((r) => r.name)).toEqual(onPglite ? [] : [name]);

    // Without them, nothing is named.
    await lookup(plain.db, 1);
    const none = await sql<{ name: string }>`select name from pg_prepared_statements where name = ${name}`.execute(plain.db);
    expect(none.rows).toEqual([]);
  });

  it('run queries without parameters by the simple protocol, several statements in one text included', async () => {
    await sql.raw(`create table ${table} (id int primary key, a text); insert into ${table} values (1, 'one')`).execute(handle.db);
    const rows = await sql<{ a: string }>`select a from ${sql.table(table)} order by id`.execute(handle.db);
    expect(rows.rows).toEqual([{ a: 'one' }]);
  });

  it('keep answering after a schema change alters a prepared statement result', async () => {
    const all = (id: number) => sql<Record<string, unknown>>`select * from ${sql.table(table)} where id = ${id}`.execute(handle.db);
    expect((await all(1)).rows).toEqual([{ id: 1, a: 'one' }]);
    expect((await all(1)).rows).toEqual([{ id: 1, a: 'one' }]);
    await sql.raw(`alter table ${table} add column b text default 'bee'`).execute(handle.db);
    expect((await all(1)).rows).toEqual([{ id: 1, a: 'one', b: 'bee' }]);
    await sql.raw(`drop table ${table}`).execute(handle.db);
  });
});
