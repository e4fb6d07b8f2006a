import { sql } from 'kysely';
import type { Executor } from '../executor.js';

// Idempotency keys, each belonging to the API key that sent it.

export interface IdempotencyRecord {
  operation: string;
  fingerprint: string;
  state: 'running' | 'completed';
  outcome: unknown;
}

/**
 * Claims an Idempotency-Key of an API key for a request: keys belong to the API key that sent them, so
 * two callers using the same key never see each other's outcome. Returns undefined when the claim is
 * this request's; else the record already holding the key. A key expires after `expirySeconds`; a claim
 * left running longer than `staleSeconds` (its process died) may be taken over by a retry of the same request.
 */
export async function claimIdempotencyKey(
  db: Executor,
  input: { workspaceId: string; apiKeyId: string; key: string; operation: string; fingerprint: string; expirySeconds: number; staleSeconds: number },
): Promise<IdempotencyRecord | undefined> {
  const claimed = await db
    .insertInto('idempotency_keys')
    .values({
      workspace_id: input.workspaceId,
      api_key_id: input.apiKeyId,
      key: input.key,
      operation: input.operation,
      fingerprint: input.fingerprint,
      state: 'running',
      outcome: null,
      completed_at: null,
    })
    .onConflict((oc) =>
      oc
        .columns(['api_key_id', 'key'])
        .doUpdateSet({
          operation: (eb) => eb.ref('excluded.operation'),
          fingerprint: (eb) => eb.ref('excluded.fingerprint'),
          state: 'running',
          outcome: null,
          created_at: sql<Date>`now()`,
          completed_at: null,
        })
        .where((eb) =>
          eb.or([
            sql<boolean>`idempotency_keys.created_at < now() - make_interval(secs => ${input.expirySeconds})`,
            eb.and([
              eb('idempotency_keys.state', '=', 'running'),
              eb('idempotency_keys.fingerprint', '=', input.fingerprint),
              sql<boolean>`idempotency_keys.created_at < now() - make_interval(secs => ${input.staleSeconds})`,
            ]),
          ]),
        ),
    )
    .returning('key')
    .executeTakeFirst();
  if (claimed) return undefined;
  const row = await db
    .selectFrom('idempotency_keys')
    .select(['operation', 'fingerprint', 'state', 'outcome'])
    .where('api_key_id', '=', input.apiKeyId)
    .where('key', '=', input.key)
    .executeTakeFirst();
  // Gone since the insert conflicted: its request failed and released the key in between, so the key
  // is free again and the claim starts over (each round is another request's whole run).
  if (!row) return claimIdempotencyKey(db, input);
  return { ...row, outcome: typeof row.outcome === 'string' ? JSON.parse(row.outcome) : row.outcome };
}

export async function completeIdempotencyKey(db: Executor, apiKeyId: string, key: string, outcome: unknown): Promise<void> {
  await db
    .updateTable('idempotency_keys')
    .set({ state: 'completed', outcome: JSON.stringify(outcome), completed_at: sql<Date>`now()` })
    .where('api_key_id', '=', apiKeyId)
    .where('key', '=', key)
    .execute();
}

/** Lets the key go again: the request failed before anything was kept, so a retry should run it. */
export async function releaseIdempotencyKey(db: Executor, apiKeyId: string, key: string): Promise<void> {
  await db.deleteFrom('idempotency_keys').where('api_key_id', '=', apiKeyId).where('key', '=', key).where('state', '=', 'running').execute();
}
