import { type RawBuilder, type SelectQueryBuilder, type Simplify, sql } from 'kysely';
import { containsPattern } from './search.js';

// Page requests and pages, shared by every list.

export interface PageRequest {
  /** Rows to skip. */
  offset: number;
  limit: number;
}

export interface Page<T> {
  items: T[];
  hasMore: boolean;
}

// Keyset pages of the workspace's directory lists (contacts, channels, assistants, tools, labels,
// calls): ordered by a sort value then id, `limit` at a time; the next page starts after the last row.

/** Where a page starts: after the row with this sort value (as text) and id. */
export interface KeysetAfter {
  value: string;
  id: string;
}

export interface KeysetPageRequest {
  limit: number;
  after?: KeysetAfter;
  /** Case-insensitive text the row's name must hold. */
  search?: string;
}

export interface KeysetPage<T> {
  items: T[];
  hasMore: boolean;
}

/** `(value, id) > (after.value, after.id)`: the rows after `after` in (value, id) order. */
export function keysetAfter(valueColumn: string, idColumn: string, after: KeysetAfter, valueType: 'text' | 'timestamptz' = 'text'): RawBuilder<boolean> {
  const value = valueType === 'text' ? sql`cast(${after.value} as text)` : sql`cast(${after.value} as timestamptz)`;
  return sql<boolean>`(${sql.ref(valueColumn)}, ${sql.ref(idColumn)}) > (${value}, cast(${after.id} as uuid))`;
}

/** The page of `limit` rows out of the `limit + 1` a query read: of any list, keyset or offset paged. */
export function keysetPage<R, T>(rows: R[], limit: number, map: (row: R) => T): KeysetPage<T> {
  return { items: rows.slice(0, limit).map(map), hasMore: rows.length > limit };
}


/**
 * One page of a directory list: rows whose `valueColumn` holds `page.search` (case-insensitive), after
 * `page.after`, in (value, id) order, `limit + 1` of them so that `keysetPage` can tell whether more follow.
 */
// biome-ignore lint/suspicious/noExplicitAny: any select query; the columns are named by the caller
export function keysetSlice<QB extends SelectQueryBuilder<any, any, any>>(qb: QB, valueColumn: string, idColumn: string, page: KeysetPageRequest, valueType: 'text' | 'timestamptz' = 'text'): QB {
  return qb
    .$if(page.search !== undefined, (q) => q.where(sql<boolean>`${sql.ref(valueColumn)} ilike ${containsPattern(page.search!)}`))
    .$if(page.after !== undefined, (q) => q.where(keysetAfter(valueColumn, idColumn, page.after!, valueType)))
    .orderBy(sql.ref(valueColumn))
    .orderBy(sql.ref(idColumn))
    .limit(page.limit + 1) as QB;
}

/** Reads one page of a directory list: `qb` sliced by keysetSlice, its rows mapped by `map`. */
// biome-ignore lint/suspicious/noExplicitAny: any select query; the columns are named by the caller
export async function readKeysetPage<O, T>(
  qb: SelectQueryBuilder<any, any, O>,
  valueColumn: string,
  idColumn: string,
  page: KeysetPageRequest,
  map: (row: Simplify<O>) => T,
  valueType: 'text' | 'timestamptz' = 'text',
): Promise<KeysetPage<T>> {
  const rows = await keysetSlice(qb, valueColumn, idColumn, page, valueType).execute();
  return keysetPage(rows, page.limit, map);
}
