import type { Context } from 'hono';
import type { AppEnv } from '../../shared/env.js';

/** Marks a response that replays an earlier request with the same Idempotency-Key. */
export function markReplay(c: Context<AppEnv>, replayed: boolean) {
  if (replayed) c.header('Idempotent-Replayed', 'true');
}
