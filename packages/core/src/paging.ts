import type { KeysetAfter, KeysetPage } from '@parley/db';
import type { Principal } from './auth.js';
import { type CursorKind, decodeCursor, encodeCursor, isCursorText, isTimestampText } from './cursors.js';

// The cursor convention of the v2 API for the workspace's directory lists: `limit` rows at a time,
// `hasMore`, and a signed `nextCursor` that starts the next page after the last row (by its sort value
// and id), however the list changes meanwhile.

export interface ListQuery {
  limit: number;
  cursor?: string;
  search?: string;
}

export interface ListPage<T> {
  items: T[];
  hasMore: boolean;
  nextCursor: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function keysetShape(valueType: 'text' | 'timestamptz') {
  return (position: unknown): KeysetAfter | undefined => {
    if (typeof position !== 'object' || position === null) return undefined;
    const { v, i } = position as Record<string, unknown>;
    const valueOk = valueType === 'text' ? isCursorText(v) && (v as string).length <= 1000 : isTimestampText(v);
    return valueOk && typeof i === 'string' && UUID.test(i) ? { value: v as string, id: i } : undefined;
  };
}

/**
 * One page of a keyset list: decodes the cursor (a 400 at `query.cursor` unless this list signed it),
 * reads the page and signs the cursor of the next. `sortValue` is the last row's sort value as text.
 */
export async function keysetList<T extends { id: string }>(
  principal: Principal,
  kind: CursorKind,
  query: ListQuery,
  read: (page: { limit: number; after?: KeysetAfter; search?: string }) => Promise<KeysetPage<T>>,
  sortValue: (item: T) => string,
  valueType: 'text' | 'timestamptz' = 'text',
): Promise<ListPage<T>> {
  const after = query.cursor ? decodeCursor(principal.workspaceSecret, kind, query.cursor, 'query.cursor', keysetShape(valueType)) : undefined;
  const page = await read({ limit: query.limit, after, search: query.search });
  const last = page.items.at(-1);
  return { ...page, nextCursor: page.hasMore && last ? encodeCursor(principal.workspaceSecret, kind, { v: sortValue(last), i: last.id }) : null };
}
