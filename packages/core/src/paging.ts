import type { KeysetAfter, KeysetPage, PageRequest } from '@parley/db';
import type { Principal } from './auth.js';
import { type CursorKind, cursorCodec, isCursorText, isTimestampText } from './cursors.js';
import { isUuid } from './input.js';

// Paging. Page numbers (chats v1, org chats) are an offset window. The cursor convention of the v2 API
// for the workspace's directory lists: `limit` rows at a time, `hasMore`, and a signed `nextCursor` that
// starts the next page after the last row (by its sort value and id), however the list changes meanwhile.

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

/** Page-number pagination (pageNumber from 1, pageSize 1..100) as an offset window. */
export function pageWindow(pageNumber: number, pageSize: number): PageRequest {
  return { offset: (pageNumber - 1) * pageSize, limit: pageSize };
}

const isSortText = (v: unknown): v is string => isCursorText(v) && v.length <= 1000;

/** A keyset position: the last row's sort value (text, or a timestamp as Postgres prints it) and its id. */
const keysetCursor = (kind: CursorKind, valueType: 'text' | 'timestamptz') => cursorCodec(kind, { v: valueType === 'text' ? isSortText : isTimestampText, i: isUuid });

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
  const cursor = keysetCursor(kind, valueType);
  const position = query.cursor ? cursor.decode(principal.workspaceSecret, query.cursor, 'query.cursor') : undefined;
  const after: KeysetAfter | undefined = position && { value: position.v, id: position.i };
  const page = await read({ limit: query.limit, after, search: query.search });
  const last = page.items.at(-1);
  return { ...page, nextCursor: page.hasMore && last ? cursor.encode(principal.workspaceSecret, { v: sortValue(last), i: last.id }) : null };
}
