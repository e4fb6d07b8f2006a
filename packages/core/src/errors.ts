// One error type for everything a client may see. Codes form a closed set; the HTTP layer maps
// each code to a status in one table, so core never speaks HTTP.

export const ERROR_CODES = [
  'bad_request',
  'validation_failed',
  'unauthorized',
  /** The API key expired (or it is the old secret of a rotated key, after the grace period). */
  'key_expired',
  'forbidden',
  'not_found',
  /** The path exists, but not with this method (the response's `Allow` lists those it takes). */
  'method_not_allowed',
  'conflict',
  /** A conditional request (`If-Match`) whose condition no longer holds: the resource changed meanwhile. */
  'precondition_failed',
  'idempotency_mismatch',
  'payload_too_large',
  /** A request body that is not JSON. */
  'unsupported_media_type',
  'headers_too_large',
  /** The API key made more requests than its rate limit allows in the current window (`Retry-After` says when to retry). */
  'rate_limited',
  'internal',
  /** A dependency (the database) is out of reach for now: retry later. */
  'unavailable',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorIssue {
  /** Where the problem is: e.g. `query.pageSize` or `body.ownerId`. */
  path: string;
  message: string;
}

/** What a cursor or page token that fails its length, signature or shape is, wherever it fails. */
export const NOT_A_CURSOR = 'is not a cursor this API returned';

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly issues?: ErrorIssue[];

  constructor(code: ErrorCode, message: string, options?: { issues?: ErrorIssue[]; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.name = 'AppError';
    this.code = code;
    this.issues = options?.issues;
  }

  static notFound(what: string): AppError {
    return new AppError('not_found', `${what} not found`);
  }

  /**
   * Bad input: a 400 `validation_failed` with one issue, `message` about the value at `path` (e.g.
   * `query.to`, `body.memberId`). The error's message is `summary`, by default `path: message`.
   */
  static invalid(path: string, message: string, summary = `${path}: ${message}`): AppError {
    return new AppError('validation_failed', summary, { issues: [{ path, message }] });
  }

  /** Bad input with several issues at once; the error's message lists them unless `summary` says otherwise. */
  static invalidAll(issues: ErrorIssue[], summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ')): AppError {
    return new AppError('validation_failed', summary, { issues });
  }

  /** A 409 for a name the workspace already uses (`what`: "a label", "an assistant or squad", ...). */
  static nameTaken(what: string, name: string): AppError {
    return new AppError('conflict', `The workspace already has ${what} named "${name}"`, { issues: [{ path: 'body.name', message: 'is taken' }] });
  }

  /** A cursor or page token that fails its signature or its shape: a 400 at the parameter's path. */
  static invalidCursor(path: string): AppError {
    return AppError.invalid(path, NOT_A_CURSOR);
  }
}
