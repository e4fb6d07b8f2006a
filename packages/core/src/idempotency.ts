import { createHash } from 'node:crypto';
import { claimIdempotencyKey, completeIdempotencyKey, type Executor, releaseIdempotencyKey } from '@parley/db';
import type { Principal } from './auth.js';
import { AppError, ERROR_CODES, type ErrorCode } from './errors.js';
import { canonicalJson } from './input.js';

// Idempotency-Key: the first request with a key runs; a retry with the same key and the same request gets
// the first outcome back without running again; the same key with another request is refused (422).
// An outcome is kept only once something was kept (a message, a summary): a request that failed before
// that (bad input, a failing tool) releases its key so a retry runs it. Keys belong to the API key that
// sent them: another key (another member's, or the same member's second key) never sees their outcome.

/** Keys are remembered this long; after it a key may be used afresh. */
export const IDEMPOTENCY_KEY_TTL_SECONDS = 24 * 60 * 60;
/** A claim still running after this long belongs to a process that died: a retry may take it over. */
export const IDEMPOTENCY_STALE_SECONDS = 5 * 60;

/** What a request led to, once it kept something: its result, or the error its client saw. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: { code: ErrorCode; message: string } };

export interface IdempotencyScope {
  /** The caller: its API key owns the Idempotency-Key. */
  principal: Pick<Principal, 'keyId' | 'workspaceId'>;
  /** The Idempotency-Key header; without one the request simply runs. */
  key: string | undefined;
  /** Which action, on what: e.g. `send-assistant-message:42`. */
  operation: string;
  /** The request's input; its hash tells a retry from a different request under the same key. */
  request: unknown;
}

/** Stores the outcome in the transaction that keeps the request's effects, so both commit or neither. */
export type RecordOutcome<T> = (trx: Executor, outcome: Outcome<T>) => Promise<void>;

function fail<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  const code = (ERROR_CODES as readonly string[]).includes(outcome.error.code) ? outcome.error.code : 'internal';
  throw new AppError(code, outcome.error.message);
}

/**
 * Runs `run` at most once per key. `revive` rebuilds a stored value (dates come back from JSON as
 * strings). Returns the value and whether it is a replay of an earlier request.
 */
export async function withIdempotency<T>(
  db: Executor,
  scope: IdempotencyScope,
  revive: (stored: unknown) => T,
  run: (record: RecordOutcome<T>) => Promise<Outcome<T>>,
): Promise<{ value: T; replayed: boolean }> {
  if (scope.key === undefined) return { value: fail(await run(async () => {})), replayed: false };
  const fingerprint = createHash('sha256').update(`${scope.operation}\n${canonicalJson(scope.request)}`).digest('hex');
  const apiKeyId = scope.principal.keyId;
  const existing = await claimIdempotencyKey(db, {
    workspaceId: scope.principal.workspaceId,
    apiKeyId,
    key: scope.key,
    operation: scope.operation,
    fingerprint,
    expirySeconds: IDEMPOTENCY_KEY_TTL_SECONDS,
    staleSeconds: IDEMPOTENCY_STALE_SECONDS,
  });
  if (existing) {
    if (existing.operation !== scope.operation || existing.fingerprint !== fingerprint) {
      throw new AppError('idempotency_mismatch', 'This Idempotency-Key was used with a different request; use a new key for a new request', {
        issues: [{ path: 'header.idempotency-key', message: `was first used for ${existing.operation === scope.operation ? 'another body' : existing.operation}` }],
      });
    }
    if (existing.state === 'running') throw new AppError('conflict', 'A request with this Idempotency-Key is still in progress; retry it later');
    const outcome = existing.outcome as Outcome<unknown>;
    return { value: fail(outcome.ok ? { ok: true, value: revive(outcome.value) } : outcome), replayed: true };
  }
  let recorded = false;
  let outcome: Outcome<T>;
  try {
    outcome = await run(async (trx, o) => {
      await completeIdempotencyKey(trx, apiKeyId, scope.key!, o);
      recorded = true;
    });
  } catch (err) {
    await releaseIdempotencyKey(db, apiKeyId, scope.key).catch(() => {});
    throw err;
  }
  if (!recorded) await completeIdempotencyKey(db, apiKeyId, scope.key, outcome);
  return { value: fail(outcome), replayed: false };
}

/** Turns the named ISO strings of a stored object back into dates. */
export function reviveDates<T>(stored: unknown, keys: string[]): T {
  const copy = { ...(stored as Record<string, unknown>) };
  for (const key of keys) if (typeof copy[key] === 'string') copy[key] = new Date(copy[key] as string);
  return copy as T;
}
