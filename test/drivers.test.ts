import { describe, expect, it } from 'vitest';
import { insertWorkspace } from '@parley/db';
import { sql } from 'kysely';
import { useTestDb, testDriver } from './harness/db.js';

const t = useTestDb();

// The same query gives the same JS values on PGlite, pg and Neon (CI runs this file on each).
describe(`database driver (${testDriver()})`, () => {
  it('is the driver the environment asks for', () => {
    expect(t.handle.driver).toBe(testDriver());
  });

  it('returns int8, counts, numeric, dates, timestamps, json and arrays identically', async () => {
    const { rows } = await sql<Record<string, unknown>>`
      select 9007199254740991::int8 as big, (select count(*) from generate_series(1, 3)) as n, 42::int4 as small,
             1.50::numeric as num, 0.5::real as real, date '2025-03-30' as day,
             timestamptz '2025-03-30T01:30:00+01:00' as at, '{"a":[1,"x",null]}'::jsonb as doc,
             array['a','b']::text[] as tags, true as flag, null::text as nothing,
             gen_random_uuid() is not null as has_uuid`.execute(t.db);
    expect(rows[0]).toEqual({
      big: 9007199254740991,
      n: 3,
      small: 42,
      num: '1.50',
      real: 0.5,
      day: '2025-03-30',
      at: new Date('2025-03-30T00:30:00.000Z'),
      doc: { a: [1, 'x', null] },
      tags: ['a', 'b'],
      flag: true,
      nothing: null,
      has_uuid: true,
    });
  });

  it('commits and rolls back transactions', async () => {
    const name = `tx-${Date.now()}`;
    await expect(
      t.db.transaction().execute(async (trx) => {
        await insertWorkspace(trx, { name });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await t.db.selectFrom('workspaces').select('id').where('name', '=', name).execute()).toEqual([]);
    await t.db.transaction().execute((trx) => insertWorkspace(trx, { name }));
    expect(await t.db.selectFrom('workspaces').select('id').where('name', '=', name).execute()).toHaveLength(1);
    await t.db.deleteFrom('workspaces').where('name', '=', name).execute();
  });
});
