import createClient, { type ClientOptions } from 'openapi-fetch';
import type { components, paths } from './schema.js';

// The typed client of the Parley API: openapi-fetch over the types `npm run client:generate` writes from
// /openapi.json. Every path, parameter, body and response is typed from the document.

export type { components, operations, paths } from './schema.js';

/** The body of every error response. */
export type ParleyError = components['schemas']['Error'];

export interface ParleyClientOptions {
  /** The API's base URL, e.g. `http://localhost:3000`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <key>`; the health checks need none. */
  apiKey?: string;
  /** Another fetch (a test's in-process app, a proxy's). */
  fetch?: ClientOptions['fetch'];
  headers?: Record<string, string>;
}

export type ParleyClient = ReturnType<typeof createClient<paths>>;

/** Each call answers `{ data, error, response }`: `data` typed by the operation's success, `error` by its errors. */
export function createParleyClient(options: ParleyClientOptions): ParleyClient {
  return createClient<paths>({
    baseUrl: options.baseUrl,
    fetch: options.fetch,
    headers: { ...(options.apiKey && { authorization: `Bearer ${options.apiKey}` }), ...options.headers },
  });
}
