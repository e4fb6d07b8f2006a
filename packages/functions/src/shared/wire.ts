import '@hono/zod-openapi'; // first: it gives zod's schemas .openapi()
import * as z from 'zod';

// What the groups' wire shapes share: instants are ISO-8601 text, and a group's response is its domain
// object written out, not restated field by field. `toWire` writes a domain value as JSON would carry it
// (instants as ISO text); `toSnakeWire` also spells its keys in snake_case, for the groups whose contract
// does (org chats). `Wire<T>` and `SnakeWire<T>` are the types they produce, and `matches` ties a group's
// zod schema (its OpenAPI text) to them, so a field added to the domain type that the schema does not
// describe, or the other way round, fails the typecheck.

/** An instant in a response: ISO-8601 text. */
export const DateTime = z.string().openapi({ format: 'date-time' });

/** A cursor page of `key` (the component `name`): the items, whether more follow, and the cursor of the next page. */
export function pageOf<K extends string, T extends z.ZodType>(key: K, item: T, name: string) {
  return z
    .object({
      [key]: z.array(item),
      hasMore: z.boolean(),
      nextCursor: z.string().nullable().openapi({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
    } as { [P in K]: z.ZodArray<T> } & { hasMore: z.ZodBoolean; nextCursor: z.ZodNullable<z.ZodString> })
    .openapi(name);
}

/** An instant as the API writes it (ISO-8601, UTC), or null. */
export const iso = (d: Date | null) => (d ? d.toISOString() : null);

type Snake<K> = K extends `${infer Head}${infer Tail}` ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${Snake<Tail>}` : K;

/** A domain value as the wire carries it: instants become ISO text. */
export type Wire<T> = T extends Date
  ? string
  : T extends readonly (infer E)[]
    ? Wire<E>[]
    : T extends object
      ? { [K in keyof T]: Wire<T[K]> }
      : T;

/** `Wire<T>` with snake_case keys; records of arbitrary keys (stored JSON) keep theirs. */
export type SnakeWire<T> = T extends Date
  ? string
  : T extends readonly (infer E)[]
    ? SnakeWire<E>[]
    : T extends object
      ? string extends keyof T
        ? T
        : { [K in keyof T as K extends string ? Snake<K> : K]: SnakeWire<T[K]> }
      : T;

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;

function write(value: unknown, key: (k: string) => string, opaque: ReadonlySet<string>): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => write(v, key, opaque));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[key(k)] = opaque.has(k) ? v : write(v, key, opaque);
  return out;
}

const NONE: ReadonlySet<string> = new Set();
const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** The value with its instants as ISO text, keys and order as they are. */
export function toWire<T>(value: T): Wire<T> {
  return write(value, (k) => k, NONE) as Wire<T>;
}

/**
 * The value with its instants as ISO text and its keys in snake_case, in the same order. The values under
 * the `opaque` keys (stored JSON of arbitrary keys, such as a tool's parameter schema) are written as they are.
 */
export function toSnakeWire<T>(value: T, opaque: readonly string[] = []): SnakeWire<T> {
  return write(value, snake, new Set(opaque)) as SnakeWire<T>;
}

type Camel<K> = K extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<Camel<Tail>>}` : K;

/** A snake_case request (parameters as a contract spells them) with camelCase keys, one level deep, for core. */
export function camelKeys<T extends Record<string, unknown>>(value: T): { [K in keyof T as K extends string ? Camel<K> : K]: T[K] } {
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), v])) as never;
}

type KeysOf<T> = T extends readonly (infer E)[]
  ? KeysOf<E>[]
  : T extends Date
    ? 'leaf'
    : T extends object
      ? string extends keyof T
        ? 'record'
        : { [K in keyof T]-?: KeysOf<NonNullable<T[K]>> }
      : 'leaf';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/**
 * `true` when a schema describes a wire type: the same keys at every level, and every value the type
 * holds one the schema allows (a schema may allow more, e.g. null where the domain always has a value).
 * Use it as `const _: matches<z.infer<typeof Schema>, Wire<DomainType>> = true`.
 */
export type matches<Schema, W> = [W] extends [Schema] ? Same<KeysOf<Schema>, KeysOf<W>> : false;
