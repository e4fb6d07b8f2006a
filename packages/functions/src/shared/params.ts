import { z } from '@hono/zod-openapi';

// Reusable request-parameter schemas. Query strings arrive as strings, or arrays when repeated.

// Any well-formed UUID: ids the database holds need not be v4 (imported data, other generators).
export const Uuid = z.guid({ message: 'must be a UUID' }).openapi({ description: 'A UUID v4 string that identifies an entity.', format: 'uuid' });

/** `name=a` or `name=a&name=b`: one value or repeated values, always an array after parsing. */
export function oneOrMany<T extends z.ZodType>(item: T, description: string) {
  return z
    .union([item, z.array(item)])
    .optional()
    .transform((v): z.output<T>[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]))
    .openapi({ description: `${description} Repeat the parameter for several values.`, default: [] as never });
}

/** A whole number from a query string, within [min, max], documented with its bounds. */
function boundedInt(options: { min: number; max: number; default: number; description: string }) {
  return z.coerce
    .number({ message: 'must be a number' })
    .int('must be an integer')
    .min(options.min, `must be at least ${options.min}`)
    .max(options.max, `must be at most ${options.max}`)
    .default(options.default)
    .openapi({ description: options.description, example: options.default, type: 'number', minimum: options.min, maximum: options.max, default: options.default });
}

export const PageNumber = boundedInt({ min: 1, max: 1_000_000, default: 1, description: 'The page number.' });
export const PageSize = boundedInt({ min: 1, max: 100, default: 10, description: 'The page size.' });

/** An ISO-8601 instant; an offset (or `Z`) is required so the instant is unambiguous. */
export const Instant = z.iso
  .datetime({ offset: true, message: 'must be an ISO-8601 date-time with a time-zone offset, e.g. 2025-01-04T23:00:00Z' })
  .transform((s) => new Date(s))
  .openapi({ type: 'string', format: 'date-time' });

export const SearchText = z
  .string()
  .trim()
  .max(200, 'must be at most 200 characters')
  .optional()
  .transform((s) => (s ? s : undefined))
  .openapi({ description: 'Case-insensitive text to find in chat titles and message content.' });
