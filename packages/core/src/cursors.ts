import { createHmac, type KeyObject, timingSafeEqual } from 'node:crypto';
import { AppError } from './errors.js';
import { isStorableText } from './input.js';

// Cursors and page tokens, one codec for every list: a position as JSON, signed with the workspace's
// secret (HMAC-SHA256), both base64url: `<payload>.<signature>`. The signature covers the kind too, so a
// token of one list is no token of another, and the workspace's secret, so it is none in another
// workspace; it does not depend on the API key, so tokens outlive a key's rotation. A list declares its
// cursor once (`cursorCodec`: its kind and the checks of its position's fields) and encodes and decodes
// with it. Decoding checks the signature first, then the position's fields; any failure is the same 400
// at the parameter's path ("is not a cursor this API returned").

export type CursorKind =
  | 'workspace-chats'
  | 'chat-messages'
  | 'org-chats'
  // The directory lists of the workspace group, each a kind of its own.
  | 'contacts'
  | 'channels'
  | 'assistants'
  | 'assistant-versions'
  | 'squads'
  | 'tools'
  | 'labels'
  | 'calls'
  | 'workspace-members'
  // The changefeed and webhook delivery logs.
  | 'events'
  | 'webhook-deliveries'
  // The API keys list.
  | 'api-keys';

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const SIGNATURE_CHARS = 43; // 32 bytes

function sign(key: KeyObject, kind: CursorKind, payload: string): Buffer {
  return createHmac('sha256', key).update(`${kind}\n${payload}`).digest();
}

function encode(key: KeyObject, kind: CursorKind, position: unknown): string {
  const payload = Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
  return `${payload}.${sign(key, kind, payload).toString('base64url')}`;
}

/** The position inside `token` if this workspace's secret signed it for this kind, else a 400 at `path`. */
function decode(key: KeyObject, kind: CursorKind, token: string, path: string): unknown {
  const dot = token.indexOf('.');
  const payload = token.slice(0, dot);
  const signature = token.slice(dot + 1);
  if (dot <= 0 || !BASE64URL.test(payload) || signature.length !== SIGNATURE_CHARS || !BASE64URL.test(signature)) throw AppError.invalidCursor(path);
  // Compared as text, not as decoded bytes: the last character of a signature carries padding bits
  // that decoding drops, so another spelling of the same bytes is a cursor this API did not return.
  if (!timingSafeEqual(Buffer.from(signature, 'latin1'), Buffer.from(sign(key, kind, payload).toString('base64url'), 'latin1'))) throw AppError.invalidCursor(path);
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw AppError.invalidCursor(path);
  }
}

/** A check of one field of a position. */
export type FieldCheck<T> = (value: unknown) => value is T;

type Fields = Readonly<Record<string, FieldCheck<unknown>>> | readonly FieldCheck<unknown>[];

type Checked<C> = C extends FieldCheck<infer T> ? T : never;
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The position a list's fields describe: a tuple, or an object of those fields (those that may be absent optional). */
export type PositionOf<F extends Fields> = F extends readonly FieldCheck<unknown>[]
  ? { -readonly [K in keyof F]: Checked<F[K]> }
  : Simplify<
      { -readonly [K in keyof F as undefined extends Checked<F[K]> ? never : K]: Checked<F[K]> } & {
        -readonly [K in keyof F as undefined extends Checked<F[K]> ? K : never]?: Checked<F[K]>;
      }
    >;

export interface CursorCodec<P> {
  encode(key: KeyObject, position: P): string;
  /** The position inside `token`; a 400 at `path` unless this list signed it with this key and its fields pass their checks. */
  decode(key: KeyObject, token: string, path: string): P;
}

/**
 * A list's cursor: its kind and a check for each field of its position (the position holds those fields
 * only; a tuple's checks are an array), and optionally a check across fields.
 */
export function cursorCodec<const F extends Fields>(
  kind: CursorKind,
  fields: F,
  across?: (position: PositionOf<F>) => boolean,
): CursorCodec<PositionOf<F>> {
  return {
    encode: (key, position) => encode(key, kind, position),
    decode(key, token, path) {
      const value = decode(key, kind, token, path);
      let position: unknown;
      if (Array.isArray(fields)) {
        const ok = Array.isArray(value) && value.length === fields.length && fields.every((check, i) => check(value[i]));
        position = ok ? value : undefined;
      } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        const picked: Record<string, unknown> = {};
        const ok = Object.entries(fields as Record<string, FieldCheck<unknown>>).every(([name, check]) => {
          const field = (value as Record<string, unknown>)[name];
          if (field !== undefined) picked[name] = field;
          return check(field);
        });
        position = ok ? picked : undefined;
      }
      if (position === undefined || (across && !across(position as PositionOf<F>))) throw AppError.invalidCursor(path);
      return position as PositionOf<F>;
    },
  };
}

// ---- shapes positions are made of ----

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?(Z|[+-](\d{2})(:\d{2}){0,2})$/;

/**
 * A timestamp as Postgres prints one (`2026-11-23 14:49:05.123456+00`) or as ISO-8601 UTC with
 * microseconds (`2026-11-23T14:49:05.123456Z`), with a date and time that exist: cast back, it is the
 * same instant to the microsecond.
 */
export function isTimestampText(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = TIMESTAMP.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59 && (m[9] === undefined || Number(m[9]) <= 15);
}

/** A row number or id as the database holds them: a positive whole number JavaScript holds exactly. */
export function isRowNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}

/** Text a query may compare against (a sort value such as a title). */
export function isCursorText(value: unknown): value is string {
  return typeof value === 'string' && isStorableText(value);
}

/** One of these values. */
export function isOneOf<const T extends readonly unknown[]>(values: T): FieldCheck<T[number]> {
  return (value): value is T[number] => values.includes(value);
}

/** The check, or null. */
export function orNull<T>(check: FieldCheck<T>): FieldCheck<T | null> {
  return (value): value is T | null => value === null || check(value);
}

/** The check, or absent. */
export function orAbsent<T>(check: FieldCheck<T>): FieldCheck<T | undefined> {
  return (value): value is T | undefined => value === undefined || check(value);
}
