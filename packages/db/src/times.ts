import { type Expression, type RawBuilder, sql } from 'kysely';

// Timestamps as text, the way cursors and exports need them: exact, or ISO-8601 in UTC.

/**
 * A column as Postgres prints it, a timestamp with its microseconds (a JS Date keeps milliseconds only):
 * the exact value for a cursor, to be cast back (`cast(... as timestamptz)`) when the next page is read.
 */
export function exactText<T extends string | null = string>(column: string): RawBuilder<T> {
  return sql<T>`${sql.ref(column)}::text`;
}

/**
 * ISO-8601 in UTC with a `Z` offset, whatever the session's time zone: to the millisecond (`MS`, what a
 * JS Date prints) or to the microsecond (`US`, exact enough for a cursor).
 */
export function isoUtc(time: RawBuilder<unknown> | Expression<unknown>, precision: 'MS' | 'US' = 'MS'): RawBuilder<string> {
  return sql<string>`to_char(${time} at time zone 'UTC', ${sql.raw(`'YYYY-MM-DD"T"HH24:MI:SS.${precision}"Z"'`)})`;
}
