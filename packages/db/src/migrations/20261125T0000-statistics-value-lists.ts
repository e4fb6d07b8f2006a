import { type Kysely, sql } from 'kysely';

// Statistics rollups keep message lengths, intent scores and messages per conversation of their two
// fine levels (15 minutes and 1 hour) as lists of values rather than value -> count objects: a slice
// holds a handful of messages whose values rarely repeat, so counting them costs more than it saves.
// From a day up they stay counted. Both shapes are exact and mergeable; readers and the rollup accept
// either, so rows written before this change stay valid. `stats_concat` joins the lists of a group.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create aggregate stats_concat(int[]) (sfunc = array_cat, stype = int[])`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop aggregate if exists stats_concat(int[])`.execute(db);
}
