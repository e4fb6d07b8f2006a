import { createHmac, type KeyObject, timingSafeEqual } from 'node:crypto';
import { AppError } from './errors.js';
import { isStorableText } from './input.js';

// Cursors and page tokens: a position as JSON, signed with the workspace's secret (HMAC-SHA256), both
// base64url: `<payload>.<signature>`. The signature covers the kind too, so a token of one list is no
// token of another, and the workspace's secret, so it is none in another workspace; it does not depend
// on the API key, so tokens outlive a key's rotation. Decoding checks the signature first, then the
// payload's shape for its kind; any failure is the same 400 at the parameter's path.

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

export function encodeCursor(key: KeyObject, kind: CursorKind, position: unknown): string {
  const payload = Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
  return `${payload}.${sign(key, kind, payload).toString('base64url')}`;
}

/**
 * The position inside `token`, as `shape` reads it (undefined: not a position of this kind). A token
 * the API did not sign with this workspace's secret for this kind, or of the wrong shape, is a 400 at `path`.
 */
export function decodeCursor<T>(key: KeyObject, kind: CursorKind, token: string, path: string, shape: (position: unknown) => T | undefined): T {
  const dot = token.indexOf('.');
  const payload = token.slice(0, dot);
  const signature = token.slice(dot + 1);
  if (dot <= 0 || !BASE64URL.test(payload) || signature.length !== SIGNATURE_CHARS || !BASE64URL.test(signature)) throw AppError.invalidCursor(path);
  // Compared as text, not as decoded bytes: the last character of a signature carries padding bits
  // that decoding drops, so another spelling of the same bytes is a cursor this API did not return.
  if (!timingSafeEqual(Buffer.from(signature, 'latin1'), Buffer.from(sign(key, kind, payload).toString('base64url'), 'latin1'))) throw AppError.invalidCursor(path);
  let position: unknown;
  try {
    position = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw AppError.invalidCursor(path);
  }
  const value = shape(position);
  if (value === undefined) throw AppError.invalidCursor(path);
  return value;
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
