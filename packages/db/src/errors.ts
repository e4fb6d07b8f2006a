// Which driver errors mean "the database is out of reach" (a request may succeed if retried once it is
// back) rather than "this query is wrong". One function, so every driver and every caller agree.

/** SQLSTATEs of a server going away: admin_shutdown, crash_shutdown, cannot_connect_now (class 08 too, below). */
const SHUTDOWN_STATES = new Set(['57P01', '57P02', '57P03']);

/** Socket errors of an unreachable or vanished server. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** What `pg` (and the Neon driver, which embeds it) say when a connection ends or cannot be made. */
const DRIVER_MESSAGES = [
  /^Connection terminated/,
  /is not queryable/,
  /^timeout exceeded when trying to connect/,
  /^Client network socket disconnected/,
];

/**
 * Whether `err` (or what caused it) says the database is unavailable: a refused, reset or dropped
 * connection, a server shutting down (57P01-57P03) or any connection exception (class 08).
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  const visit = (e: unknown, depth: number): boolean => {
    if (!e || typeof e !== 'object' || seen.has(e) || depth > 5) return false;
    seen.add(e);
    const { code, message, cause, errors } = e as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    if (typeof code === 'string' && (SHUTDOWN_STATES.has(code) || /^08[0-9A-Z]{3}$/.test(code) || NETWORK_CODES.has(code))) return true;
    if (typeof message === 'string' && DRIVER_MESSAGES.some((pattern) => pattern.test(message))) return true;
    // Node reports a failed connect to several addresses as an AggregateError.
    if (Array.isArray(errors) && errors.some((inner) => visit(inner, depth + 1))) return true;
    return visit(cause, depth + 1);
  };
  return visit(err, 0);
}

/** Postgres' unique_violation, from any driver (pg, Neon, PGlite all carry the SQLSTATE as `code`). */
export function isUniqueViolation(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    if ((e as { code?: unknown }).code === '23505') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
