import { createHash, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import { type Executor, findMember, insertApiKey, useApiKey } from '@parley/db';
import { AppError } from './errors.js';

export const SCOPES = ['chats:read', 'chats:write', 'chats:admin', 'statistics:read', 'statistics:export', 'keys:admin'] as const;
export type Scope = (typeof SCOPES)[number];

// A broader scope grants the narrower ones beneath it.
const IMPLIED: Partial<Record<Scope, Scope[]>> = {
  'chats:admin': ['chats:write', 'chats:read'],
  'chats:write': ['chats:read'],
  'statistics:export': ['statistics:read'],
};

/** The broader scopes that grant `scope` besides itself, e.g. `chats:write` and `chats:admin` for `chats:read`. */
export function scopesGranting(scope: Scope): Scope[] {
  return SCOPES.filter((s) => IMPLIED[s]?.includes(scope));
}

/** Who is calling: the key's workspace and member, and what the key may do. */
export interface Principal {
  keyId: string;
  workspaceId: string;
  memberId: number;
  memberIdentityId: string;
  memberRole: 'admin' | 'member';
  scopes: ReadonlySet<Scope>;
  /** The workspace's secret, which signs its cursors; a KeyObject, so it never prints or serialises. */
  workspaceSecret: KeyObject;
}

const KEY_PATTERN = /^prl_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{16,128})$/;

/** The public part of a key (`prl_<id>`), as listings and logs show it. */
export function keyPrefix(keyId: string): string {
  return `prl_${keyId}`;
}

/** Splits a key into its id and secret; undefined when it does not look like one. */
export function parseApiKey(rawKey: string): { id: string; secret: string } | undefined {
  const match = KEY_PATTERN.exec(rawKey.trim());
  return match ? { id: match[1]!, secret: match[2]! } : undefined;
}

/** A key's secret: 24 random bytes, base64url. */
export function newSecret(): string {
  return randomBytes(24).toString('base64url');
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function expandScopes(scopes: readonly string[]): Set<Scope> {
  const granted = new Set<Scope>();
  for (const s of scopes) {
    if (!(SCOPES as readonly string[]).includes(s)) continue;
    granted.add(s as Scope);
    for (const implied of IMPLIED[s as Scope] ?? []) granted.add(implied);
  }
  return granted;
}

/** Parses a comma- or space-separated scope list, rejecting unknown scopes. */
export function parseScopes(list: string): Scope[] {
  const scopes = list.split(/[\s,]+/).filter(Boolean);
  const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (scopes.length === 0 || unknown.length > 0) {
    throw new AppError('bad_request', `Unknown or missing scopes: ${unknown.join(', ') || '(none)'}; known scopes: ${SCOPES.join(', ')}`);
  }
  return [...new Set(scopes)] as Scope[];
}

/** What the lookup counted for the rate limit: this request's number in the window, and when the window ends. */
export interface KeyWindow {
  count: number;
  resetSeconds: number;
}

/**
 * Resolves a raw key to its principal, in one statement that also records the key's use (see useApiKey).
 * Unknown, malformed or revoked keys are all `unauthorized`; an expired key (or the previous secret of
 * a rotated key after its grace period) is `key_expired`. `windowSeconds` counts the request in the
 * key's rate window, returned as `window`.
 */
export async function authenticate(db: Executor, rawKey: string | undefined, options: { windowSeconds?: number } = {}): Promise<Principal & { window?: KeyWindow }> {
  if (!rawKey) throw new AppError('unauthorized', 'Missing API key: send it as "Authorization: Bearer <key>" or "x-api-key: <key>"');
  const parsed = parseApiKey(rawKey);
  // The hash is compared in the database: a timing difference there tells a hash's prefix, never a secret.
  const use = parsed ? await useApiKey(db, { id: parsed.id, secretHash: hashSecret(parsed.secret), windowSeconds: options.windowSeconds }) : undefined;
  if (!use || use.standing === 'revoked') throw new AppError('unauthorized', 'Invalid API key');
  if (use.standing === 'expired') throw new AppError('key_expired', `This API key expired at ${use.expiresAt?.toISOString()}; create a new one`);
  if (use.standing === 'previous_secret_expired') throw new AppError('key_expired', "This API key's secret was replaced by a rotation and its grace period is over; use the new secret");
  const { key } = use;
  return {
    keyId: key.id,
    workspaceId: key.workspaceId,
    memberId: key.memberId,
    memberIdentityId: key.memberIdentityId,
    memberRole: key.memberRole,
    scopes: expandScopes(key.scopes),
    workspaceSecret: createSecretKey(key.workspaceSecret),
    ...(use.window && { window: use.window }),
  };
}

/**
 * Creates an API key for a member of the workspace and returns the only copy of its secret.
 * `token` fixes the key's value (used for the demo key); otherwise a random one is made.
 */
export async function createApiKey(
  db: Executor,
  input: { workspaceId: string; memberId: number; scopes: Scope[]; name?: string; token?: string; expiresAt?: Date | null },
): Promise<{ token: string; keyId: string }> {
  const member = await findMember(db, input.workspaceId, input.memberId);
  if (!member || member.kind !== 'user') throw AppError.notFound('Member');
  let id: string;
  let secret: string;
  if (input.token) {
    const match = KEY_PATTERN.exec(input.token);
    if (!match) throw new AppError('bad_request', 'API key must look like prl_<12 letters or digits>_<secret>');
    [, id, secret] = match as unknown as [string, string, string];
  } else {
    id = randomBytes(9).toString('base64url').replace(/[-_]/g, 'x').slice(0, 12);
    secret = newSecret();
  }
  await insertApiKey(db, {
    id,
    workspaceId: input.workspaceId,
    memberId: input.memberId,
    name: input.name ?? 'API key',
    secretHash: hashSecret(secret),
    scopes: input.scopes,
    expiresAt: input.expiresAt ?? null,
  });
  return { token: `prl_${id}_${secret}`, keyId: id };
}
