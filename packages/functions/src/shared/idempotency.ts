import '@hono/zod-openapi'; // first: it gives zod's schemas .openapi()
import * as z from 'zod';
import type { Context } from 'hono';
import type { AppEnv } from './env.js';
import { ErrorBody } from './errors.js';

// Idempotency-Key on every POST that creates or sends something: the header, the replay marker and the
// two errors it adds, declared once. Core's withIdempotency does the work (keys belong to the API key).

export const IdempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .min(1, 'must not be empty')
    .max(255, 'must be at most 255 characters')
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
    .optional()
    .openapi({
      param: { name: 'idempotency-key', in: 'header' },
      description:
        'A unique key (a UUID, say) that makes retries safe: a retry with the same key and body within 24 hours returns the first response ' +
        '(with `Idempotent-Replayed: true`) and creates or sends nothing twice; the same key with a different body is a 422 (`idempotency_mismatch`); ' +
        'a retry while the first request still runs is a 409. Keys belong to the API key that sent them.',
    }),
});

/** The response header a replay carries. */
export const replayHeader = {
  'Idempotent-Replayed': { description: '`true` when this is the stored response of an earlier request with the same Idempotency-Key.', schema: { type: 'string' as const } },
};

/** The error responses an Idempotency-Key adds. */
export const idempotencyErrors = {
  409: { description: 'A request with this Idempotency-Key is still in progress.', content: { 'application/json': { schema: ErrorBody } } },
  422: { description: 'This Idempotency-Key was used with a different request (`idempotency_mismatch`).', content: { 'application/json': { schema: ErrorBody } } },
};

export function markReplay(c: Context<AppEnv>, replayed: boolean) {
  if (replayed) c.header('Idempotent-Replayed', 'true');
}

/** The value of an idempotent call, its response marked as a replay when it was one. */
export function replayedValue<T>(c: Context<AppEnv, any, any>, result: { value: T; replayed: boolean }): T {
  markReplay(c, result.replayed);
  return result.value;
}
