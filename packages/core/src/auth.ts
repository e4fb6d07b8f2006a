import { createHash, createSecretKey, type KeyObject, randomBytes, timingSafeEqual } from 'node:crypto';
import { type Executor, findActiveApiKey, findMember, insertApiKey } from '@parley/db';
import { AppError } from './errors.js';

export const SCOPES = ['chats:read', 'chats:write', 'chats:admin', 'statistics:read', 'statistics:export'] as const;
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

function hashSecret(secret: string): string {
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

/** Resolves a raw key to its principal. Unknown, malformed or revoked keys are all `unauthorized`. */
export async function authenticate(db: Executor, rawKey: string | undefined): Promise<Principal> {
  if (!rawKey) throw new AppError('unauthorized', 'Missing API key: send it as "Authorization: Bearer <key>" or "x-api-key: <key>"');
  const match = KEY_PATTERN.exec(rawKey.trim());
  const key = match ? await findActiveApiKey(db, match[1]!) : undefined;
  // Compare hashes in constant time; hash lengths are fixed so timingSafeEqual never throws.
  const presented = Buffer.from(hashSecret(match?.[2] ?? ''), 'hex');
  const stored = Buffer.from(key?.secretHash ?? '0'.repeat(64), 'hex');
  if (!key || !timingSafeEqual(presented, stored)) throw new AppError('unauthorized', 'Invalid API key');
  return {
    keyId: key.id,
    workspaceId: key.workspaceId,
    memberId: key.memberId,
    memberIdentityId: key.memberIdentityId,
    memberRole: key.memberRole,
    scopes: expandScopes(key.scopes),
    workspaceSecret: createSecretKey(key.workspaceSecret),
  };
}

/**
 * Creates an API key for a member of the workspace and returns the only copy of its secret.
 * `token` fixes the key's value (used for the demo key); otherwise a random one is made.
 */
export async function createApiKey(
  db: Executor,
  input: { workspaceId: string; memberId: number; scopes: Scope[]; name?: string; token?: string },
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
    secret = randomBytes(24).toString('base64url');
  }
  await insertApiKey(db, {
    id,
    workspaceId: input.workspaceId,
    memberId: input.memberId,
    name: input.name ?? 'API key',
    secretHash: hashSecret(secret),
    scopes: input.scopes,
  });
  return { token: `prl_${id}_${secret}`, keyId: id };
}
