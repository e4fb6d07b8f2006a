import { z } from '@hono/zod-openapi';

// What the groups' wire shapes share: instants are ISO-8601 text.

/** An instant in a response: ISO-8601 text. */
export const DateTime = z.string().openapi({ format: 'date-time' });

/** An instant as the API writes it (ISO-8601, UTC), or null. */
export const iso = (d: Date | null) => (d ? d.toISOString() : null);
