import type { Database } from '@parley/db';
import type { Kysely } from 'kysely';
import type { BenchDataset } from './generate.js';
import type { Figures } from './measure.js';

/** What every scenario gets from the runner: the loaded data, the server and the run's settings. */
export interface BenchContext {
  db: Kysely<Database>;
  /** The bench database's connection string (for tools such as psql, or a second pool). */
  url: string;
  dataset: BenchDataset;
  /** The local server (every group mounted) on the bench database. */
  base: string;
  /** An API key of the dataset's admin with every scope. */
  token: string;
  headers: Record<string, string>;
  concurrency: number;
  seconds: number;
}

/** One measured path: through HTTP beside the same work done directly (raw SQL or the repository call). */
export interface BenchRow {
  name: string;
  http: Figures;
  direct: Figures;
  /** Extra figures a scenario prints below the table (rows/s, RSS, queries per request...). */
  notes?: string[];
}

export interface BenchTarget {
  target: string;
  ratio: number;
  pass: boolean;
}

export interface BenchScenario {
  /** Short name, selectable with `npm run bench -- --only <name>`. */
  name: string;
  run(ctx: BenchContext): Promise<{ rows: BenchRow[]; targets: BenchTarget[] }>;
}

/** A run with failed (or no) requests measures nothing: it misses its target whatever the ratios say. */
export const clean = (row: BenchRow) =>
  row.http.errors === 0 && row.direct.errors === 0 && row.http.requests > 0 && row.direct.requests > 0;

/** Target: the HTTP p99 within `factor` times the direct p99. */
export function p99Within(row: BenchRow, factor: number, target: string): BenchTarget {
  const ratio = row.http.p99 / Math.max(row.direct.p99, 0.001);
  return { target, ratio, pass: clean(row) && ratio <= factor };
}
