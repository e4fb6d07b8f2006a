import { Readable } from 'node:stream';
import type { CompiledQuery } from 'kysely';

// Bulk reads: a query's rows as CSV straight from Postgres's COPY, the fastest way out of the server.
// COPY takes no bind parameters, so the compiled query's parameters are inlined as escaped literals.

/** A COPY in progress: the CSV bytes, and the row count Postgres reports once the stream has ended. */
export interface CsvCopy {
  stream: Readable;
  rowCount(): number | undefined;
}

/**
 * A parameter as a SQL literal. Values may come from hostile input: strings are written as E'' literals
 * with quotes and backslashes doubled, which reads the same whatever `standard_conforming_strings` says,
 * and NUL (which Postgres text cannot hold) is refused. Literals stay untyped, as text-format bind
 * parameters are, so Postgres infers the same types from their context.
 */
export function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot inline the number ${value}`);
    return `'${String(value)}'`;
  }
  if (typeof value === 'bigint') return `'${value.toString()}'`;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new Error('cannot inline an invalid date');
    return `'${value.toISOString()}'`;
  }
  if (typeof value === 'string') {
    if (value.includes('\0')) throw new Error('cannot inline a string holding NUL');
    return `E'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
  }
  throw new Error(`cannot inline a parameter of type ${Array.isArray(value) ? 'array' : typeof value}`);
}

/**
 * The compiled query's text with `$n` placeholders replaced by literals. Placeholders are only looked
 * for outside quoted literals, quoted identifiers and comments, so text that merely looks like one stays.
 */
export function inlineParameters(query: Pick<CompiledQuery, 'sql' | 'parameters'>): string {
  const text = query.sql;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === "'" || ch === '"') {
      // A quoted literal or identifier runs to its closing quote; a doubled quote is part of it.
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw new Error('unterminated quote in the compiled query');
        if (text[j] === ch) {
          if (text[j + 1] === ch) j += 2;
          else break;
        } else j++;
      }
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (ch === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? text.length : end;
      out += text.slice(i, stop);
      i = stop;
    } else if (ch === '$' && /[0-9]/.test(text[i + 1] ?? '') && !/[A-Za-z0-9_]/.test(text[i - 1] ?? '')) {
      let j = i + 1;
      while (j < text.length && /[0-9]/.test(text[j]!)) j++;
      const index = Number(text.slice(i + 1, j)) - 1;
      if (index < 0 || index >= query.parameters.length) throw new Error(`no parameter ${text.slice(i, j)}`);
      out += sqlLiteral(query.parameters[index]);
      i = j;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

/**
 * A CommonJS package loaded with `import()`: Node hands its exports as the namespace and as `default`,
 * a split bundle as `default` only. Either way, its exports.
 */
export const commonJs = <T>(mod: T): T => (mod as { default?: T }).default ?? mod;

/** The COPY statement that writes `select` as CSV with a header row of its column names. */
export function copyCsvStatement(select: string, target: 'STDOUT' | "'/dev/blob'"): string {
  return `COPY (${select}) TO ${target} WITH (FORMAT csv, HEADER true)`;
}

/**
 * COPY over a dedicated `pg` connection with the given URL: the Neon driver cannot COPY, so the `neon`
 * driver uses this too. The connection closes when the stream ends, fails or is destroyed.
 */
export async function copyCsvOverPg(url: string, select: string): Promise<CsvCopy> {
  const [{ default: pg }, { to }] = await Promise.all([import('pg'), import('pg-copy-streams').then(commonJs)]);
  const client = new pg.Client({ connectionString: url });
  // From the start: a connection dropped under any query (the `set` below included) emits `error` on the
  // client, which would end the process unheard. The failure reaches the caller through the query or the stream.
  client.on('error', () => {});
  try {
    await client.connect();
    // Export SELECTs join aggregates over many rows, which puts their cost estimate past the JIT threshold:
    // Postgres then spends seconds compiling a query that runs in less without it.
    await client.query('set jit = off');
  } catch (err) {
    void client.end().catch(() => {});
    throw err;
  }
  const stream = client.query(to(copyCsvStatement(select, 'STDOUT')));
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    void client.end().catch(() => {});
  };
  stream.on('end', close);
  stream.on('error', close);
  stream.on('close', close);
  return { stream, rowCount: () => (typeof stream.rowCount === 'number' ? stream.rowCount : undefined) };
}

/** PGlite's COPY writes to a Blob (`/dev/blob`): the whole file in memory, which suits a local database. */
export async function copyCsvOverPglite(pglite: { query(sql: string): Promise<{ blob?: Blob; affectedRows?: number }> }, select: string): Promise<CsvCopy> {
  const result = await pglite.query(copyCsvStatement(select, "'/dev/blob'"));
  const blob = result.blob ?? new Blob([]);
  return { stream: Readable.fromWeb(blob.stream() as never), rowCount: () => result.affectedRows };
}
