import type { ChatReach, EventReach, ExportJobReach } from '@parley/db';
import type { Principal, Scope } from './auth.js';
import { AppError } from './errors.js';

// The one authorization policy. Every route declares the permission it needs (authorize runs before its
// handler); every query of chats or export jobs takes the reach decided here. The rules:
// - A key's scopes bound what it may do, whatever the member's role: reading chats needs `chats:read`,
//   changing them `chats:write`, sending as the assistant `chats:admin`, statistics `statistics:read`,
//   statistics exports `statistics:export` (broader scopes imply narrower ones, see auth.ts).
// - Reach: `chats:admin` keys and admin members see every chat of their workspace; other members the chats
//   they own, take part in (a participant) or are assigned to. Chats' `visibility` is never consulted.
// - Chats owned by anonymous end users are left out of every list, lookup, export and count without
//   `chats:admin`; filtering on anonymity needs it too.
// - A chat (or export job) outside the reach is not found, exactly like another workspace's.
// - The members directory (users and assistants) is the workspace's whole, to any key with `chats:read`:
//   it is what adding participants and assigning chats take, and it shows no chat.
// - Changing a chat needs `chats:write` and the chat within the caller's reach. Without full reach a
//   member may take a chat (assign it to themselves) or give up their own assignment, but not assign it
//   to someone else nor take it from its assignee: that is an admin's (or a `chats:admin` key's) call.
// - The workspace's configuration (contacts, channels, assistants and their versions, squads, chat tools,
//   label definitions) is read with `chats:read` and changed with `chats:admin`; anonymous contacts are
//   found and listed with `chats:admin` only, as their chats are. Call records and message metadata
//   belong to a chat: they follow the chat's reach (`chats:read` to read, `chats:write` to record).

/** What a route may need: one of the scopes. */
export type Permission = Scope;

/** 403 unless the key holds `permission` (itself or a broader scope implying it). */
export function authorize(principal: Principal, permission: Permission, reason?: string): void {
  if (!principal.scopes.has(permission)) throw new AppError('forbidden', reason ?? `This API key lacks the ${permission} scope`);
}

/** Whether the caller sees every chat of its workspace. */
export function hasFullReach(principal: Principal): boolean {
  return principal.scopes.has('chats:admin') || principal.memberRole === 'admin';
}

/** The chats a caller may find, list or count: pass it to every chat query. */
export function chatReach(principal: Principal): ChatReach {
  return {
    workspaceId: principal.workspaceId,
    member: hasFullReach(principal) ? null : { memberId: principal.memberId, identityId: principal.memberIdentityId },
    anonymous: principal.scopes.has('chats:admin'),
  };
}

/** The export jobs a caller may read: their own, or every job of the workspace with full reach. */
export function exportJobReach(principal: Principal): ExportJobReach {
  return { workspaceId: principal.workspaceId, requestedBy: hasFullReach(principal) ? null : principal.memberId };
}

/** A request that selects or filters on anonymous chats needs `chats:admin`. */
export function authorizeAnonymousFilter(principal: Principal, what: string): void {
  authorize(principal, 'chats:admin', `${what} requires the chats:admin scope`);
}

/** The workspace (or org) a path names must be the key's own; any other answers 404, as if it did not exist. */
export function requireOwnWorkspace(principal: Principal, workspaceId: string, what: 'Workspace' | 'Org' = 'Workspace'): void {
  if (principal.workspaceId !== workspaceId.toLowerCase()) throw AppError.notFound(what);
}

/** The contacts a caller may find or list: anonymous end users only with `chats:admin`. */
export function contactReach(principal: Principal): { workspaceId: string; includeAnonymous: boolean } {
  return { workspaceId: principal.workspaceId, includeAnonymous: principal.scopes.has('chats:admin') };
}

/** The members a caller may list: every member of its workspace. */
export function memberReach(principal: Principal): { workspaceId: string } {
  return { workspaceId: principal.workspaceId };
}

/**
 * A change of a chat's assignee from `from` to `to` (member ids, null for none): 403 unless the caller
 * has full reach, or takes an unassigned chat or their own, or gives up their own assignment.
 */
export function authorizeAssignment(principal: Principal, from: number | null, to: number | null): void {
  if (from === to || hasFullReach(principal)) return;
  const own = (id: number | null) => id === null || id === principal.memberId;
  if (own(from) && own(to)) return;
  throw new AppError('forbidden', 'Assigning a chat to another member, or taking it from its assignee, needs an admin member or the chats:admin scope', {
    issues: [{ path: 'body.assignedMemberId', message: to === null || to === principal.memberId ? `the chat is assigned to member ${from}` : 'names another member' }],
  });
}

/**
 * The events a caller may read: those of the chats within its reach (read as the chats are now: a chat that
 * left its reach takes its events with it), of the exports whose status it may read (its own, every
 * export's with full reach; statistics exports only with `statistics:export`, which their status needs),
 * and of the workspace itself (webhook endpoints) with `chats:admin` only.
 */
export function eventReach(principal: Principal): EventReach {
  return {
    workspaceId: principal.workspaceId,
    chats: chatReach(principal),
    exportsOf: hasFullReach(principal) ? null : principal.memberId,
    // `statistics`: the kind statistics exports record (statistics/export.ts).
    hiddenExportKinds: principal.scopes.has('statistics:export') ? [] : ['statistics'],
    workspace: principal.scopes.has('chats:admin'),
  };
}

/**
 * Managing API keys needs `keys:admin` (the route checks it) on an admin member's key: a key for any
 * member could otherwise lend a member an admin's reach. A key grants only scopes it holds itself.
 */
export function authorizeKeyManagement(principal: Principal, grants: readonly Scope[] = []): void {
  authorize(principal, 'keys:admin');
  if (principal.memberRole !== 'admin') throw new AppError('forbidden', "Managing API keys needs a keys:admin key of an admin member");
  const lacking = grants.filter((scope) => !principal.scopes.has(scope));
  if (lacking.length) throw new AppError('forbidden', `This API key cannot grant scopes it lacks: ${lacking.join(', ')}`);
}
