import { type Database, migrationStatus } from '@parley/db';
import type { Kysely } from 'kysely';

// What `GET /health/ready` reports: whether this process can serve requests, i.e. the database
// answers and has every migration this code expects.

export interface Readiness {
  ready: boolean;
  database: 'ok' | 'unreachable';
  migrations: { applied: number; pending: string[]; unknown: string[] } | null;
}

/** Never throws: an unreachable database is a readiness answer; the caller logs `cause`. */
export async function checkReadiness(db: () => Promise<Kysely<Database>>): Promise<Readiness & { cause?: unknown }> {
  try {
    const migrations = await migrationStatus(await db());
    // Migrations of a newer release are expected during its rollout: they do not make this one unready.
    return { ready: migrations.pending.length === 0, database: 'ok', migrations };
  } catch (cause) {
    return { ready: false, database: 'unreachable', migrations: null, cause };
  }
}
