import { type Executor, listMembers, type MemberListRecord } from '@parley/db';
import type { Principal } from './auth.js';
import { cursorCodec, isCursorText, isOneOf, isRowNumber, orNull } from './cursors.js';
import { AppError } from './errors.js';
import { memberReach } from './policy.js';

// The workspace's members (users and assistants): the directory the v2 API's member ids come from.

export type WorkspaceMember = MemberListRecord;

export interface MemberListQuery {
  limit: number;
  cursor?: string;
  search?: string;
  kind?: 'user' | 'assistant';
}

/** A position: the last row's name and member id, with the search and kind it was issued for. */
/** A position: the last member's name and id, and the search and kind it was issued for. */
const memberCursor = cursorCodec('workspace-members', { v: isCursorText, n: isRowNumber, q: orNull(isCursorText), k: orNull(isOneOf(['user', 'assistant'])) });

/** One page of the members by name, then id; a cursor only continues the search and kind it came from. */
export async function listWorkspaceMembers(
  db: Executor,
  principal: Principal,
  query: MemberListQuery,
): Promise<{ items: WorkspaceMember[]; hasMore: boolean; nextCursor: string | null }> {
  const search = query.search ?? null;
  const kind = query.kind ?? null;
  let after: { name: string; id: number } | undefined;
  if (query.cursor) {
    const c = memberCursor.decode(principal.workspaceSecret, query.cursor, 'query.cursor');
    // Another search's cursor reads as no cursor of this list.
    if (c.q !== search || c.k !== kind) throw AppError.invalidCursor('query.cursor');
    after = { name: c.v, id: c.n };
  }
  const page = await listMembers(db, memberReach(principal), { limit: query.limit, after, search: query.search, kind: query.kind });
  const last = page.items.at(-1);
  const nextCursor = page.hasMore && last ? memberCursor.encode(principal.workspaceSecret, { v: last.name, n: last.id, q: search, k: kind }) : null;
  return { ...page, nextCursor };
}
