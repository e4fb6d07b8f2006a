import '@hono/zod-openapi'; // first: it gives zod's schemas .openapi()
import * as z from 'zod';
import { ErrorBody } from '../../shared/errors.js';
import { body, json } from '../../shared/route.js';
import { pageCursor, pageLimit, searchText, Uuid } from '../../shared/params.js';
import { pageOf } from '../../shared/wire.js';

export { WorkspaceParams, QueryBoolean } from '../../shared/workspace-params.js';
export { IdempotencyHeaders, idempotencyErrors, replayHeader } from '../../shared/idempotency.js';

// What every resource of the workspace group shares: the list parameters and page shape (the v2 cursor
// convention), names, the optional-text fields of PATCH bodies, and the response helpers.

export { DateTime } from '../../shared/wire.js';

/** `limit`, `cursor`, `search`: every directory list takes these. */
export function listQuery(what: string) {
  return { limit: pageLimit(what, 50), cursor: pageCursor(2000, 'the other parameters'), search: searchText('Case-insensitive text to find in the name.') };
}

export { pageOf };

/** A name that identifies something: trimmed, 1 to `max` characters. */
export function Name(max = 200) {
  return z.string({ message: 'must be a string' }).trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
}

/** Optional free text of at most `max` characters. */
export function Text(max: number) {
  return z.string({ message: 'must be a string' }).max(max, `must be at most ${max} characters`);
}

export const HttpUrl = z
  .url({ protocol: /^https?$/, message: 'must be an http or https URL' })
  .max(2000, 'must be at most 2000 characters')
  .openapi({ format: 'uri' });

export const Deleted = z
  .object({ success: z.literal(true), message: z.string().openapi({ example: 'Contact deleted' }) })
  .openapi('DeletedResponse');

export { body, json };

export const conflictError = { 409: json(ErrorBody, 'The name is already taken in this workspace (`conflict`).') };

export { Uuid };
