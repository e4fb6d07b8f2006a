import { z } from '@hono/zod-openapi';
import { ErrorBody } from '../../shared/errors.js';
import { CursorParam, IntegerParam, Uuid } from '../../shared/params.js';

export { WorkspaceParams, QueryBoolean } from '../workspace-chats/schemas.js';
export { IdempotencyHeaders, idempotencyErrors, replayHeader } from '../../shared/idempotency.js';

// What every resource of the workspace group shares: the list parameters and page shape (the v2 cursor
// convention), names, the optional-text fields of PATCH bodies, and the response helpers.

export { DateTime } from '../../shared/wire.js';

/** `limit`, `cursor`, `search`: every directory list takes these. */
export function listQuery(what: string) {
  return {
    limit: IntegerParam({ min: 1, max: 100 }).default(50).openapi({ default: 50, description: `${what} per page, 1 to 100.` }),
    cursor: CursorParam(2000).openapi({ description: "The previous page's `nextCursor`. Keep the other parameters unchanged." }),
    search: z
      .string()
      .trim()
      .max(200, 'must be at most 200 characters')
      .optional()
      .transform((s) => (s ? s : undefined))
      .openapi({ description: 'Case-insensitive text to find in the name.' }),
  };
}

/** A page of `key`: the items, whether more follow, and the cursor of the next page. */
export function pageOf<K extends string, T extends z.ZodType>(key: K, item: T, name: string) {
  return z
    .object({
      [key]: z.array(item),
      hasMore: z.boolean(),
      nextCursor: z.string().nullable().openapi({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
    } as { [P in K]: z.ZodArray<T> } & { hasMore: z.ZodBoolean; nextCursor: z.ZodNullable<z.ZodString> })
    .openapi(name);
}

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

export const json = <T>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
export const body = <T>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });

export const conflictError = { 409: json(ErrorBody, 'The name is already taken in this workspace (`conflict`).') };

export { Uuid };
