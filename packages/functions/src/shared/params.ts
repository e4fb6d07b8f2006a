import '@hono/zod-openapi'; // first: it gives zod's schemas .openapi()
import * as z from 'zod';
import { INSTANT_RANGE_TEXT, isInstantInRange, NOT_A_CURSOR } from '@parley/core';

// Reusable request-parameter schemas. Query strings arrive as strings, or arrays when repeated.

// Any well-formed UUID: ids the database holds need not be v4 (imported data, other generators). Read
// in lower case, as ids are stored and compared, so any spelling finds the same entity on every route.
export const Uuid = z
  .guid({ message: 'must be a UUID' })
  .overwrite((s) => s.toLowerCase())
  .openapi({ description: 'A UUID string that identifies an entity (any letter case).', format: 'uuid' });

/** `name=a` or `name=a&name=b`: one value or repeated values, always an array after parsing. */
export function oneOrMany<T extends z.ZodType>(item: T, description: string) {
  return z
    .union([item, z.array(item)])
    .optional()
    .transform((v): z.output<T>[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]))
    .openapi({ description: `${description} Repeat the parameter for several values.`, default: [] as never });
}

/**
 * A whole number in a path or query string, within [min, max]: decimal digits only, so `0x10`, `1e3`,
 * `1.5`, `-1` or ` 7` are a 400 rather than 16, 1000, 1, -1 or 7. Every integer parameter uses it.
 */
export function IntegerParam(options: { min: number; max: number; description?: string }) {
  const { min, max } = options;
  return z
    .string({ message: 'must be a whole number' })
    .transform((s, ctx) => {
      const n = /^[0-9]+$/.test(s) ? Number(s) : Number.NaN;
      if (Number.isNaN(n)) ctx.addIssue({ code: 'custom', message: 'must be a whole number written in decimal digits' });
      else if (n < min) ctx.addIssue({ code: 'custom', message: `must be at least ${min}` });
      else if (n > max) ctx.addIssue({ code: 'custom', message: `must be at most ${max}` });
      return n;
    })
    .openapi({ type: 'integer', minimum: min, maximum: max, ...(options.description && { description: options.description }) });
}

/** An IntegerParam with a default, documented with its bounds. */
function boundedInt(options: { min: number; max: number; default: number; description: string }) {
  return IntegerParam(options)
    .default(options.default)
    .openapi({ description: options.description, example: options.default, type: 'integer', minimum: options.min, maximum: options.max, default: options.default });
}

export const PageNumber = boundedInt({ min: 1, max: 1_000_000, default: 1, description: 'The page number.' });
export const PageSize = boundedInt({ min: 1, max: 100, default: 10, description: 'The page size.' });

const INSTANT_FORMAT = `ISO-8601 with a time-zone offset or \`Z\` (e.g. 2025-01-04T23:00:00Z), ${INSTANT_RANGE_TEXT}; otherwise 400`;

/**
 * Every instant a request carries: ISO-8601 with an offset (or `Z`) so it is unambiguous, within one
 * range that every column, time-zone conversion and cursor handles.
 */
export const Instant = z.iso
  .datetime({ offset: true, message: 'must be an ISO-8601 date-time with a time-zone offset, e.g. 2025-01-04T23:00:00Z' })
  .transform((s) => new Date(s))
  .refine(isInstantInRange, { message: `must be ${INSTANT_RANGE_TEXT}` })
  .openapi({ type: 'string', format: 'date-time', description: `An instant: ${INSTANT_FORMAT}.` });

/** The Instant of one parameter or field: its own description, then the format and range every instant has. */
export function instant(description: string) {
  return Instant.openapi({ description: `${description} ${INSTANT_FORMAT}.` });
}

/** Case-insensitive text a list finds (at most 200 characters; empty is none); `description` says where. */
export function searchText(description: string) {
  return z
    .string()
    .trim()
    .max(200, 'must be at most 200 characters')
    .optional()
    .transform((s) => (s ? s : undefined))
    .openapi({ description });
}

export const SearchText = searchText('Case-insensitive text to find in chat titles and message content.');

/** `a,b` or `a&x=b`: a comma-separated or repeated list of one enum. */
export function enumList<T extends readonly [string, ...string[]]>(values: T, description: string) {
  return z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v, ctx): T[number][] => {
      const items = (v === undefined ? [] : Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
      const unknown = items.filter((s) => !values.includes(s));
      if (unknown.length) ctx.addIssue({ code: 'custom', message: `must be one of ${values.join(', ')}; got ${unknown.join(', ')}` });
      return [...new Set(items)] as T[number][];
    })
    .openapi({ type: 'string', description: `${description} One of ${values.join(', ')}; comma-separate or repeat the parameter for several.` });
}

/** A cursor list's `limit` (or page size): 1 to 100 `what`, `size` when absent. */
export function pageLimit(what: string, size: number) {
  return IntegerParam({ min: 1, max: 100 }).default(size).openapi({ default: size, description: `${what} per page, 1 to 100.` });
}

/** A cursor list's `cursor`: the previous page's `nextCursor`; `keep` names the parameters that must not change. */
export function pageCursor(maxLength: number, keep?: string) {
  return CursorParam(maxLength).openapi({ description: `The previous page's \`nextCursor\`.${keep ? ` Keep ${keep} unchanged.` : ''}` });
}

/**
 * A cursor or page token a list returned, of at most `maxLength` characters: a longer one is refused
 * here, anything else by the codec (packages/core/src/cursors.ts), with the same message.
 */
export function CursorParam(maxLength: number) {
  return z.string().max(maxLength, NOT_A_CURSOR).optional();
}
