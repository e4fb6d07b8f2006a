import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import { copyCsvOverPg, copyCsvOverPglite, type CsvCopy, inlineParameters } from './copy-csv.js';
import type { SocketServer } from './pglite-sessions.js';
import { withPreparedStatements } from './prepared.js';
import type { Database } from './schema.js';

export type DatabaseDriver = 'pglite' | 'pg' | 'neon';

export interface DbOptions {
  driver: DatabaseDriver;
  /** Postgres connection string; required for `pg` and `neon`. */
  url?: string;
  /** PGlite data directory; omitted means an in-memory database. */
  dataDir?: string;
  /** Neon only: route the WebSocket through this `host:port` proxy (local testing), plain ws. */
  neonWsProxy?: string;
  /** Pool size for `pg` and `neon`. */
  maxConnections?: number;
  /** `pg` and `neon`: name each parameterised query shape so it is planned once per connection (prepared.ts); on unless false. */
  preparedStatements?: boolean;
}

export interface DbHandle {
  db: Kysely<Database>;
  driver: DatabaseDriver;
  /**
   * Streams the rows of a compiled SELECT as CSV with a header (Postgres COPY), its parameters
   * inlined. Over TCP with `pg` for the `pg` and `neon` drivers; into memory for PGlite.
   */
  copyCsv(query: Pick<CompiledQuery, 'sql' | 'parameters'>): Promise<CsvCopy>;
  /**
   * PGlite only: serves the database over the Postgres wire protocol on the unix socket `path`, for
   * other processes (the command-line tools) while this one has it open.
   */
  serveSocket?(path: string): Promise<SocketServer>;
  close(): Promise<void>;
}

// Every driver returns the same JS values: int8 and counts as numbers (ids stay far below 2^53),
// numeric as strings, dates as 'YYYY-MM-DD' strings; timestamptz as Date and json parsed, as all do by default.
const INT8 = 20;
const NUMERIC = 1700;
const DATE = 1082;
const textParsers: Record<number, (value: string) => unknown> = {
  [INT8]: (v) => Number(v),
  [NUMERIC]: (v) => v,
  [DATE]: (v) => v,
};

type TypeParserSource = { getTypeParser(oid: number, format?: any): any };
function withParsers(base: TypeParserSource) {
  return {
    getTypeParser(oid: number, format?: any) {
      const own = format === 'binary' ? undefined : textParsers[oid];
      return own ?? base.getTypeParser(oid, format);
    },
  };
}

export async function createDb(options: DbOptions): Promise<DbHandle> {
  switch (options.driver) {
    case 'pglite':
      return createPgliteDb(options);
    case 'pg':
      return createPgDb(options);
    case 'neon':
      return createNeonDb(options);
  }
}

async function createPgliteDb(options: DbOptions): Promise<DbHandle> {
  const [{ PGlite }, { PGliteDialect }, { pg_trgm }, { gatedDialect, servePgliteSocket, SessionGate }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('kysely-pglite-dialect'),
    // Trigram indexes serve the text search; servers (Neon included) ship the extension, PGlite loads it.
    import('@electric-sql/pglite/contrib/pg_trgm'),
    import('./pglite-sessions.js'),
  ]);
  let dataDir: string | undefined;
  if (options.dataDir) {
    dataDir = resolve(options.dataDir);
    // PGlite creates the last path segment only.
    mkdirSync(dirname(dataDir), { recursive: true });
  }
  const pglite = await PGlite.create(dataDir, { parsers: textParsers as any, extensions: { pg_trgm } });
  // One session, shared in turns by Kysely, COPY and the socket's clients.
  const gate = new SessionGate();
  const db = new Kysely<Database>({ dialect: gatedDialect(new PGliteDialect(pglite), gate) });
  return {
    db,
    driver: 'pglite',
    copyCsv: (query) => gate.run(() => copyCsvOverPglite(pglite, inlineParameters(query))),
    serveSocket: (path) => servePgliteSocket(pglite, gate, path),
    async close() {
      await db.destroy();
      if (!pglite.closed) await pglite.close();
    },
  };
}

/** A driver error as a log line: the driver's own text and code, which clients never see. */
function logConnectionError(message: string, err: Error & { code?: string }) {
  console.error(JSON.stringify({ level: 'warn', message, error: err.message, ...(err.code && { code: err.code }) }));
}

type Emitter = { on(event: string, listener: (arg: any) => void): unknown };

/**
 * A connection that drops (server restart, network) emits `error` on its client whether it is idle in the
 * pool or checked out under a query; unheard, that event would end the process. The pool replaces an idle
 * one on the next checkout; a checked-out one also fails its query, which reaches the caller.
 */
function handleClientErrors(pool: Emitter) {
  // The pool re-emits an idle client's error, which the client's own listener below has logged already.
  pool.on('error', () => {});
  pool.on('connect', (client: Emitter) => {
    client.on('error', (err: Error) => logConnectionError('database connection lost', err));
  });
}

function requireUrl(options: DbOptions): string {
  if (!options.url) throw new Error(`DATABASE_URL is required for the ${options.driver} driver`);
  return options.url;
}

async function createPgDb(options: DbOptions): Promise<DbHandle> {
  const pg = (await import('pg')).default;
  const pool = new pg.Pool({
    connectionString: requireUrl(options),
    max: options.maxConnections ?? 10,
    types: withParsers(pg.types),
  });
  handleClientErrors(pool);
  if (options.preparedStatements !== false) withPreparedStatements(pool);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const url = requireUrl(options);
  return { db, driver: 'pg', copyCsv: (query) => copyCsvOverPg(url, inlineParameters(query)), close: () => db.destroy() };
}

async function createNeonDb(options: DbOptions): Promise<DbHandle> {
  const [neon, ws] = await Promise.all([import('@neondatabase/serverless'), import('ws')]);
  const { Pool, neonConfig, types } = neon;
  // Node 20 has no global WebSocket.
  neonConfig.webSocketConstructor = ws.default;
  if (options.neonWsProxy) {
    const proxy = options.neonWsProxy;
    neonConfig.wsProxy = (host, port) => `${proxy}/v1?address=${host}:${port}`;
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineConnect = false;
    neonConfig.pipelineTLS = false;
  }
  const pool = new Pool({
    connectionString: requireUrl(options),
    max: options.maxConnections ?? 10,
    types: withParsers(types),
  });
  handleClientErrors(pool);
  if (options.preparedStatements !== false) withPreparedStatements(pool);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: pool as any }) });
  // The Neon driver cannot COPY: bulk reads open a `pg` connection to the same URL.
  const url = requireUrl(options);
  return { db, driver: 'neon', copyCsv: (query) => copyCsvOverPg(url, inlineParameters(query)), close: () => db.destroy() };
}
