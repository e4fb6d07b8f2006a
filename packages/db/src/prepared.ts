import { createHash } from 'node:crypto';

// Named (protocol-level) prepared statements for the `pg` and `neon` pools. Kysely hands a client the
// SQL text and its parameters; this names the statement after a hash of its text, so each connection
// parses and plans a query shape once and then only binds and executes it. After five executions
// Postgres switches a statement to its generic plan when that is no costlier than the custom ones,
// which for lookups by key it is: the planning (about 1.5-2 ms for the details join against 0.2 ms of
// execution) is then skipped altogether.
//
// Only queries with parameters are named: those without go by the simple protocol as before, which
// allows several statements in one text (migrations). A connection names at most
// MAX_PREPARED_PER_CONNECTION shapes (the server keeps each until the connection closes); later new
// shapes run unnamed. PGlite served over the wire protocol (pglite-socket) has one session for all its
// connections, so a name one connection prepared would clash on another: against it nothing is named
// (each new connection asks the server's version once). The Neon driver's Pool is node-postgres's, so it takes the same named queries;
// Neon's pooled endpoints (PgBouncer in transaction mode) support protocol-level prepared statements.

export const MAX_PREPARED_PER_CONNECTION = 500;

type QueryConfig = { name?: string; text: string; values?: unknown[] };
type Query = (...args: unknown[]) => Promise<unknown>;
interface PoolLike<C> {
  connect(): Promise<C>;
  end(): Promise<void>;
}

const PREPARED = Symbol('parley.prepared');

/** Postgres: "cached plan must not change result type" (a prepared `select *` whose table changed). */
const FEATURE_NOT_SUPPORTED = '0A000';

/** A statement name for `text`: stable, and short enough for Postgres' 63-byte identifiers. */
export function statementName(text: string): string {
  return `p_${createHash('sha1').update(text).digest('base64url')}`;
}

/** The pool, with every client it lends naming the statements it runs (see above). */
export function withPreparedStatements<C extends { query: Query }, P extends PoolLike<C>>(pool: P): P {
  const connect = pool.connect.bind(pool);
  pool.connect = async () => {
    const client = await connect();
    await prepareClient(client);
    return client;
  };
  return pool;
}

async function prepareClient(client: { query: Query } & { [PREPARED]?: boolean }) {
  if (client[PREPARED] !== undefined) return;
  const query = client.query.bind(client) as Query;
  client[PREPARED] = false;
  const version = (await query('select version() as v')) as { rows: Array<{ v: string }> };
  if (/PGlite/.test(version.rows[0]?.v ?? '')) return;
  client[PREPARED] = true;
  const named = new Set<string>();
  const broken = new Set<string>();
  client.query = (async (...args: unknown[]) => {
    const [text, values] = args;
    if (typeof text !== 'string' || !Array.isArray(values) || values.length === 0 || args.length > 2) return query(...args);
    const name = statementName(text);
    if (broken.has(name) || (!named.has(name) && named.size >= MAX_PREPARED_PER_CONNECTION)) return query(text, values);
    named.add(name);
    try {
      return await query({ name, text, values } satisfies QueryConfig);
    } catch (err) {
      // The statement was prepared before a schema change altered its result's columns: run it
      // unnamed from now on, on this connection.
      if ((err as { code?: string }).code === FEATURE_NOT_SUPPORTED && /cached plan/.test(String((err as Error).message))) {
        broken.add(name);
        return query(text, values);
      }
      throw err;
    }
  }) as Query;
}
