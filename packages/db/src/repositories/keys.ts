import type { Executor } from '../executor.js';

export interface ApiKeyRecord {
  id: string;
  workspaceId: string;
  memberId: number;
  memberRole: 'admin' | 'member';
  memberIdentityId: string;
  secretHash: string;
  scopes: string[];
  /** The key's workspace's secret (signs cursors); never logged. */
  workspaceSecret: Uint8Array;
}

export async function insertApiKey(
  db: Executor,
  input: { id: string; workspaceId: string; memberId: number; name: string; secretHash: string; scopes: string[] },
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
    })
    .execute();
}

/** A live (not revoked) key with its member's role and its workspace's secret, in one statement. */
export async function findActiveApiKey(db: Executor, id: string): Promise<ApiKeyRecord | undefined> {
  const row = await db
    .selectFrom('api_keys')
    .innerJoin('members', 'members.id', 'api_keys.member_id')
    .innerJoin('workspaces', 'workspaces.id', 'api_keys.workspace_id')
    .select([
      'api_keys.id', 'api_keys.workspace_id', 'api_keys.member_id', 'api_keys.secret_hash', 'api_keys.scopes',
      'members.role', 'members.identity_id', 'workspaces.secret',
    ])
    .where('api_keys.id', '=', id)
    .where('api_keys.revoked_at', 'is', null)
    .executeTakeFirst();
  return (
    row && {
      id: row.id,
      workspaceId: row.workspace_id,
      memberId: row.member_id,
      memberRole: row.role,
      memberIdentityId: row.identity_id,
      secretHash: row.secret_hash,
      scopes: row.scopes,
      workspaceSecret: row.secret,
    }
  );
}
