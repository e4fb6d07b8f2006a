import {
  type ApiKeyInfo,
  type Executor,
  findApiKey,
  findMember,
  findWorkspace,
  listApiKeys,
  revokeApiKey,
  rotateApiKey,
} from '@parley/db';
import { createApiKey, hashSecret, keyPrefix, newSecret, parseScopes, type Principal, type Scope, SCOPES } from './auth.js';
import { KEY_ROTATION_GRACE_MAX_SECONDS } from './config.js';
import { cursorCodec, isCursorText, isTimestampText } from './cursors.js';
import { AppError } from './errors.js';
import { isStorableText } from './input.js';
import { authorizeKeyManagement } from './policy.js';
import { findWorkspaceAdmin } from './workspaces.js';

// The lifecycle of API keys, for the API (an admin member's `keys:admin` key, within its workspace) and
// for the command line (an operator, on any workspace of the database): create with scopes, a name and
// an optional expiry; list without secrets; revoke at once; rotate with a grace period for the old secret.

/** A key lives at most this long: an expiry further ahead is refused. */
export const MAX_KEY_LIFETIME_DAYS = 730;
/** The earliest expiry a key may have, from now. */
export const MIN_KEY_LIFETIME_SECONDS = 60;
export const KEY_NAME_MAX_CHARS = 100;

/** Who manages keys: an API caller (bound by the policy) or an operator at the command line. */
export type KeyManager = { principal: Principal } | { operator: true; workspaceId: string };

export type KeyState = 'active' | 'expired' | 'revoked';

/** A key as listings show it: never its secret. */
export interface KeyView {
  id: string;
  /** `prl_<id>`: the public start of the key, as logs show it. */
  prefix: string;
  name: string;
  scopes: Scope[];
  memberId: number;
  memberName: string;
  state: KeyState;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  rotatedAt: Date | null;
  /** While a rotation's grace period runs: until when the previous secret still works. */
  previousSecretExpiresAt: Date | null;
}

function toView(info: ApiKeyInfo): KeyView {
  const state: KeyState = info.revokedAt ? 'revoked' : info.expiresAt && info.expiresAt <= info.readAt ? 'expired' : 'active';
  return {
    id: info.id,
    prefix: keyPrefix(info.id),
    name: info.name,
    scopes: info.scopes.filter((s): s is Scope => (SCOPES as readonly string[]).includes(s)),
    memberId: info.memberId,
    memberName: info.memberName,
    state,
    createdAt: info.createdAt,
    lastUsedAt: info.lastUsedAt,
    expiresAt: info.expiresAt,
    revokedAt: info.revokedAt,
    rotatedAt: info.rotatedAt,
    previousSecretExpiresAt: state === 'active' ? info.previousSecretExpiresAt : null,
  };
}

function workspaceOf(manager: KeyManager): string {
  return 'principal' in manager ? manager.principal.workspaceId : manager.workspaceId;
}

/** The operator's workspace must exist; an API caller's does. */
async function checkManager(db: Executor, manager: KeyManager, grants: readonly Scope[] = []): Promise<void> {
  if ('principal' in manager) authorizeKeyManagement(manager.principal, grants);
  else if (!(await findWorkspace(db, manager.workspaceId))) throw new AppError('not_found', `No workspace ${manager.workspaceId} in this database`);
}

/** A key id as given: `prl_<id>` or the bare id. */
export function keyIdOf(given: string): string {
  return given.startsWith('prl_') ? given.slice(4) : given;
}

export interface CreateKeyInput {
  name?: string;
  scopes: readonly string[];
  /** The member the key acts as: the caller's own member (API) or the workspace's first admin (operator) when absent. */
  memberId?: number;
  expiresAt?: Date | null;
}

/** Creates a key; the answer holds the only copy of its secret (`token`). */
/** Where each input came from, for error messages: body fields (API) or flags (command line). */
export type KeyInputNames = Record<'scopes' | 'name' | 'expiresAt', string>;
const BODY_NAMES: KeyInputNames = { scopes: 'body.scopes', name: 'body.name', expiresAt: 'body.expiresAt' };

export async function createKey(db: Executor, manager: KeyManager, input: CreateKeyInput, names: KeyInputNames = BODY_NAMES): Promise<{ key: KeyView; token: string }> {
  const scopes = input.scopes.length ? parseScopes(input.scopes.join(',')) : [];
  if (scopes.length === 0) throw AppError.invalid(names.scopes, 'must name at least one scope');
  await checkManager(db, manager, scopes);
  const workspaceId = workspaceOf(manager);
  const name = (input.name ?? 'API key').trim();
  if (!name || name.length > KEY_NAME_MAX_CHARS || !isStorableText(name)) throw AppError.invalid(names.name, `must be 1 to ${KEY_NAME_MAX_CHARS} characters of text`);
  if (input.expiresAt) {
    const now = Date.now();
    const t = input.expiresAt.getTime();
    if (!(t >= now + MIN_KEY_LIFETIME_SECONDS * 1000)) throw AppError.invalid(names.expiresAt, `must be at least ${MIN_KEY_LIFETIME_SECONDS} seconds in the future`);
    if (t > now + MAX_KEY_LIFETIME_DAYS * 86_400_000) throw AppError.invalid(names.expiresAt, `must be at most ${MAX_KEY_LIFETIME_DAYS} days ahead`);
  }
  let memberId = input.memberId;
  if (memberId === undefined) {
    if ('principal' in manager) memberId = manager.principal.memberId;
    else {
      memberId = (await findWorkspaceAdmin(db, workspaceId))?.id;
      if (memberId === undefined) throw new AppError('not_found', `Workspace ${workspaceId} has no admin member; name the member the key acts as`);
    }
  } else {
    const member = await findMember(db, workspaceId, memberId);
    if (!member) throw new AppError('not_found', `Workspace ${workspaceId} has no member ${memberId}`);
    if (member.kind !== 'user') throw new AppError('bad_request', `Member ${memberId} of workspace ${workspaceId} is an ${member.kind}; keys act as users`);
  }
  const { token, keyId } = await createApiKey(db, { workspaceId, memberId, scopes, name, expiresAt: input.expiresAt ?? null });
  const info = await findApiKey(db, workspaceId, keyId);
  return { key: toView(info!), token };
}

export async function getKey(db: Executor, manager: KeyManager, keyId: string): Promise<KeyView> {
  await checkManager(db, manager);
  const info = await findApiKey(db, workspaceOf(manager), keyIdOf(keyId));
  if (!info) throw unknownKey(manager, keyId);
  return toView(info);
}

function unknownKey(manager: KeyManager, keyId: string): AppError {
  return 'principal' in manager ? AppError.notFound('API key') : new AppError('not_found', `Workspace ${manager.workspaceId} has no key ${keyId}`);
}

/** A position: the last key's creation time as Postgres prints it and its id. */
const keyCursor = cursorCodec('api-keys', { t: isTimestampText, i: (v: unknown): v is string => isCursorText(v) && /^[A-Za-z0-9]{1,64}$/.test(v) });

/** A page of the workspace's keys, newest first; `cursor` is the previous page's `nextCursor` (API callers). */
export async function listKeys(
  db: Executor,
  manager: KeyManager,
  options: { limit: number; cursor?: string },
): Promise<{ keys: KeyView[]; hasMore: boolean; nextCursor: string | null }> {
  await checkManager(db, manager);
  const secret = 'principal' in manager ? manager.principal.workspaceSecret : undefined;
  let after: { createdAt: string; id: string } | undefined;
  if (options.cursor) {
    if (!secret) throw new AppError('bad_request', 'Cursors are for API callers');
    const p = keyCursor.decode(secret, options.cursor, 'query.cursor');
    after = { createdAt: p.t, id: p.i };
  }
  const page = await listApiKeys(db, workspaceOf(manager), { limit: options.limit, after });
  const last = page.items.at(-1);
  return {
    keys: page.items.map(toView),
    hasMore: page.hasMore,
    nextCursor: page.hasMore && last && secret ? keyCursor.encode(secret, { t: last.createdAtText, i: last.id }) : null,
  };
}

/** Every key of the workspace, newest first (the command line's listing). */
export async function listAllKeys(db: Executor, workspaceId: string): Promise<KeyView[]> {
  await checkManager(db, { operator: true, workspaceId });
  const keys: KeyView[] = [];
  let after: { createdAt: string; id: string } | undefined;
  for (;;) {
    const page = await listApiKeys(db, workspaceId, { limit: 100, after });
    keys.push(...page.items.map(toView));
    const last = page.items.at(-1);
    if (!page.hasMore || !last) return keys;
    after = { createdAt: last.createdAtText, id: last.id };
  }
}

/** Revokes a key at once: its next request is a 401. Revoking a revoked key changes nothing. */
export async function revokeKey(db: Executor, manager: KeyManager, keyId: string): Promise<KeyView> {
  await checkManager(db, manager);
  const workspaceId = workspaceOf(manager);
  if (!(await revokeApiKey(db, workspaceId, keyIdOf(keyId)))) throw unknownKey(manager, keyId);
  return toView((await findApiKey(db, workspaceId, keyIdOf(keyId)))!);
}

/**
 * Gives a key a new secret and returns it (the only copy). The old secret keeps working for
 * `graceSeconds` (0 to 7 days); a secret from before an earlier rotation stops at once.
 */
export async function rotateKey(db: Executor, manager: KeyManager, keyId: string, graceSeconds: number): Promise<{ key: KeyView; token: string }> {
  await checkManager(db, manager);
  if (!(Number.isInteger(graceSeconds) && graceSeconds >= 0 && graceSeconds <= KEY_ROTATION_GRACE_MAX_SECONDS)) {
    throw AppError.invalid('body.gracePeriodSeconds', `must be a whole number of seconds from 0 to ${KEY_ROTATION_GRACE_MAX_SECONDS}`);
  }
  const workspaceId = workspaceOf(manager);
  const id = keyIdOf(keyId);
  const secret = newSecret();
  const outcome = await rotateApiKey(db, { workspaceId, id, secretHash: hashSecret(secret), graceSeconds });
  if (outcome === 'not_found') throw unknownKey(manager, keyId);
  if (outcome === 'not_live') throw new AppError('conflict', `Key ${keyPrefix(id)} is revoked or expired; create a new key instead`);
  return { key: toView((await findApiKey(db, workspaceId, id))!), token: `${keyPrefix(id)}_${secret}` };
}
