import { sql } from 'kysely';
import type { Executor } from '../executor.js';
import { keysetPage } from '../paging.js';
import { fieldsOf, type RowOf } from '../rows.js';
import { exactText } from '../times.js';

// API keys: the lookup every request makes, and their lifecycle (create, list, revoke, rotate).

export interface ApiKeyRecord {
  id: string;
  workspaceId: string;
  memberId: number;
  memberRole: 'admin' | 'member';
  memberIdentityId: string;
  scopes: string[];
  /** The key's workspace's secret (signs cursors); never logged. */
  workspaceSecret: Uint8Array;
}

/** How the lookup found the key: live, or why not. */
export type KeyStanding = 'live' | 'revoked' | 'expired' | 'previous_secret_expired';

export interface KeyUse {
  key: ApiKeyRecord;
  standing: KeyStanding;
  expiresAt: Date | null;
  /** The requests this key made in the current window, this one included; absent when nothing counts them. */
  window?: { count: number; resetSeconds: number };
}

export interface KeyLookup {
  id: string;
  /** SHA-256 (hex) of the presented secret: only a key whose current or previous secret has it is found. */
  secretHash: string;
  /** Count the request in a fixed window of this many seconds (rate limits). */
  windowSeconds?: number;
}

/** `last_used_at` moves at most this often per key. */
export const LAST_USED_RESOLUTION_SECONDS = 60;

/**
 * One statement per request: finds the key by id and secret hash with its member and workspace, and
 * only when the key is live (not revoked or expired, and the secret is its current one or the previous
 * one within its grace period) records its use: `last_used_at` when older than a minute (a conditional
 * update that writes nothing otherwise), and the request in the key's fixed rate window (one upserted
 * row per key; the row lock makes concurrent increments exact). Data-modifying CTEs run once whatever
 * the main query reads, so nobody without the secret can move a key's counters.
 */
export async function useApiKey(db: Executor, lookup: KeyLookup): Promise<KeyUse | undefined> {
  const window = lookup.windowSeconds;
  const counted = window
    ? sql`, counted as (
        insert into api_key_rate_windows as r (api_key_id, window_start, count)
        select id, to_timestamp(floor(extract(epoch from statement_timestamp()) / ${window}::int) * ${window}::int), 1 from found where standing = 'live'
        on conflict (api_key_id) do update
          set count = case when r.window_start = excluded.window_start then r.count + 1 else 1 end,
              window_start = excluded.window_start
        returning count, extract(epoch from (window_start - statement_timestamp()))::float8 + ${window}::int as reset_seconds
      )`
    : sql``;
  const { rows } = await sql<{
    id: string;
    workspace_id: string;
    member_id: number;
    scopes: string[];
    expires_at: Date | null;
    standing: KeyStanding;
    role: 'admin' | 'member';
    identity_id: string;
    workspace_secret: Uint8Array;
    count: number | null;
    reset_seconds: number | null;
  }>`
    with found as (
      select k.id, k.workspace_id, k.member_id, k.scopes, k.expires_at, m.role, m.identity_id, w.secret as workspace_secret,
        case
          when k.revoked_at is not null then 'revoked'
          when k.expires_at is not null and k.expires_at <= statement_timestamp() then 'expired'
          when k.secret_hash <> ${lookup.secretHash} and not coalesce(k.previous_secret_expires_at > statement_timestamp(), false) then 'previous_secret_expired'
          else 'live'
        end as standing
      from api_keys k
      join members m on m.id = k.member_id
      join workspaces w on w.id = k.workspace_id
      where k.id = ${lookup.id} and (k.secret_hash = ${lookup.secretHash} or k.previous_secret_hash = ${lookup.secretHash})
    ),
    touched as (
      update api_keys set last_used_at = statement_timestamp()
      where id = (select id from found where standing = 'live')
        and (last_used_at is null or last_used_at <= statement_timestamp() - make_interval(secs => ${LAST_USED_RESOLUTION_SECONDS}))
      returning id
    )${counted}
    select found.*, ${window ? sql`counted.count, counted.reset_seconds` : sql`null::int as count, null::float8 as reset_seconds`}
    from found ${window ? sql`left join counted on true` : sql``}
  `.execute(db);
  const row = rows[0];
  if (!row) return undefined;
  return {
    key: {
      id: row.id,
      workspaceId: row.workspace_id,
      memberId: row.member_id,
      memberRole: row.role,
      memberIdentityId: row.identity_id,
      scopes: row.scopes,
      workspaceSecret: row.workspace_secret,
    },
    standing: row.standing,
    expiresAt: row.expires_at,
    ...(row.count !== null && { window: { count: Number(row.count), resetSeconds: Math.max(0, Number(row.reset_seconds)) } }),
  };
}

export async function insertApiKey(
  db: Executor,
  input: { id: string; workspaceId: string; memberId: number; name: string; secretHash: string; scopes: string[]; expiresAt?: Date | null },
): Promise<void> {
  await db
    .insertInto('api_keys')
    .values({
      id: input.id,
      workspace_id: input.workspaceId,
      member_id: input.memberId,
      name: input.name,
      secret_hash: input.secretHash,
      scopes: input.scopes,
      expires_at: input.expiresAt ?? null,
    })
    .execute();
}

/** What a listing shows of a key: never its secret or its hash. */
export interface ApiKeyInfo {
  id: string;
  workspaceId: string;
  name: string;
  scopes: string[];
  memberId: number;
  memberName: string;
  createdAt: Date;
  createdAtText: string;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  rotatedAt: Date | null;
  /** Until when the secret before the last rotation still works; null when it no longer does. */
  previousSecretExpiresAt: Date | null;
  /** The database's clock when read, to tell expired keys without trusting the caller's. */
  readAt: Date;
}

function infoQuery(db: Executor) {
  return db
    .selectFrom('api_keys as k')
    .innerJoin('members as m', 'm.id', 'k.member_id')
    .innerJoin('identities as i', 'i.id', 'm.identity_id')
    .select([
      'k.id', 'k.workspace_id', 'k.name', 'k.scopes', 'k.member_id', 'i.display_name as member_name', 'k.created_at', 'k.last_used_at',
      'k.expires_at', 'k.revoked_at', 'k.rotated_at', 'k.previous_secret_expires_at',
      exactText('k.created_at').as('created_at_text'),
      sql<Date>`statement_timestamp()`.as('read_at'),
    ]);
}

function toInfo(row: RowOf<typeof infoQuery>): ApiKeyInfo {
  const previous = row.previous_secret_expires_at && row.previous_secret_expires_at > row.read_at ? row.previous_secret_expires_at : null;
  return {
    ...fieldsOf(row, [
      'id', 'workspace_id', 'name', 'scopes', 'member_id', 'member_name', 'created_at', 'created_at_text', 'last_used_at', 'expires_at', 'revoked_at',
      'rotated_at', 'previous_secret_expires_at', 'read_at',
    ]),
    memberName: row.member_name ?? '',
    previousSecretExpiresAt: row.revoked_at ? null : previous,
  };
}

/** A page of the workspace's keys, newest first, after the keyset position `after`. */
export async function listApiKeys(
  db: Executor,
  workspaceId: string,
  options: { limit: number; after?: { createdAt: string; id: string } },
): Promise<{ items: ApiKeyInfo[]; hasMore: boolean }> {
  let query = infoQuery(db).where('k.workspace_id', '=', workspaceId);
  if (options.after) {
    const { createdAt, id } = options.after;
    query = query.where(sql<boolean>`(k.created_at, k.id) < (${createdAt}::timestamptz, ${id})`);
  }
  const rows = await query.orderBy('k.created_at', 'desc').orderBy('k.id', 'desc').limit(options.limit + 1).execute();
  return keysetPage(rows, options.limit, toInfo);
}

export async function findApiKey(db: Executor, workspaceId: string, id: string): Promise<ApiKeyInfo | undefined> {
  const row = await infoQuery(db).where('k.workspace_id', '=', workspaceId).where('k.id', '=', id).executeTakeFirst();
  return row && toInfo(row);
}

/** Revokes the key at once (the next lookup refuses it); revoking it again keeps the first time. False: no such key. */
export async function revokeApiKey(db: Executor, workspaceId: string, id: string): Promise<boolean> {
  const row = await db
    .updateTable('api_keys')
    .set({ revoked_at: sql`coalesce(revoked_at, statement_timestamp())` })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Gives a live key a new secret; the current one becomes the previous secret, valid for `graceSeconds`
 * more (a secret older than that stops at once). 'not_live' for a revoked or expired key.
 */
export async function rotateApiKey(
  db: Executor,
  input: { workspaceId: string; id: string; secretHash: string; graceSeconds: number },
): Promise<'rotated' | 'not_live' | 'not_found'> {
  const row = await db
    .updateTable('api_keys')
    .set({
      previous_secret_hash: sql`secret_hash`,
      previous_secret_expires_at: sql`statement_timestamp() + make_interval(secs => ${input.graceSeconds})`,
      secret_hash: input.secretHash,
      rotated_at: sql`statement_timestamp()`,
    })
    .where('workspace_id', '=', input.workspaceId)
    .where('id', '=', input.id)
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`statement_timestamp()`)]))
    .returning('id')
    .executeTakeFirst();
  if (row) return 'rotated';
  const exists = await db.selectFrom('api_keys').select('id').where('workspace_id', '=', input.workspaceId).where('id', '=', input.id).executeTakeFirst();
  return exists ? 'not_live' : 'not_found';
}

/** Gives a key exactly these scopes (the demo key, when a release adds scopes). */
export async function setApiKeyScopes(db: Executor, id: string, scopes: string[]): Promise<void> {
  await db.updateTable('api_keys').set({ scopes }).where('id', '=', id).execute();
}
