import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import * as initial from './migrations/20261122T0000-initial.js';
import * as chatDailyStats from './migrations/20261122T0100-chat-daily-stats.js';
import * as workspaceChats from './migrations/20261123T0000-workspace-chats.js';
import * as exportJobs from './migrations/20261123T0010-export-jobs.js';
import * as chatActions from './migrations/20261123T0100-chat-actions.js';
import * as orgChats from './migrations/20261123T0200-org-chats.js';
import * as statisticsRollups from './migrations/20261124T0000-statistics-rollups.js';
import * as statisticsValueLists from './migrations/20261125T0000-statistics-value-lists.js';
import * as idempotencyPerKey from './migrations/20261202T0000-idempotency-per-key.js';
import * as workspaceSecrets from './migrations/20261202T0100-workspace-secrets.js';
import * as apiKeyLifecycle from './migrations/20261203T0100-api-key-lifecycle.js';
import * as events from './migrations/20261203T0200-events.js';
import * as webhooks from './migrations/20261203T0210-webhooks.js';
import * as chatSearchDocuments from './migrations/20261203T0300-chat-search-documents.js';
import * as workspaceManagement from './migrations/20261203T0500-workspace-management.js';

// A static list (not a folder scan) so that bundled functions carry their migrations.
const migrations: Record<string, Migration> = {
  '20261122T0000-initial': initial,
  '20261122T0100-chat-daily-stats': chatDailyStats,
  '20261123T0000-workspace-chats': workspaceChats,
  '20261123T0010-export-jobs': exportJobs,
  '20261123T0100-chat-actions': chatActions,
  '20261123T0200-org-chats': orgChats,
  '20261124T0000-statistics-rollups': statisticsRollups,
  '20261125T0000-statistics-value-lists': statisticsValueLists,
  '20261202T0000-idempotency-per-key': idempotencyPerKey,
  '20261202T0100-workspace-secrets': workspaceSecrets,
  '20261203T0100-api-key-lifecycle': apiKeyLifecycle,
  '20261203T0200-events': events,
  '20261203T0210-webhooks': webhooks,
  '20261203T0300-chat-search-documents': chatSearchDocuments,
  '20261203T0500-workspace-management': workspaceManagement,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** The migrations this code knows, in order. */
export const knownMigrations: readonly string[] = Object.keys(migrations);

export interface MigrationStatus {
  /** How many of this code's migrations the database has. */
  applied: number;
  /** This code's migrations the database lacks: not ready until a migrate runs. */
  pending: string[];
  /** Migrations the database has and this code does not know (a newer release's, applied before its rollout). */
  unknown: string[];
}

/** Compares the migrations the database recorded with this code's list (also a check that the database answers). */
export async function migrationStatus(db: Kysely<any>): Promise<MigrationStatus> {
  const { rows: exists } = await sql<{ present: boolean }>`select to_regclass('kysely_migration') is not null as present`.execute(db);
  const done = exists[0]?.present ? (await sql<{ name: string }>`select name from kysely_migration`.execute(db)).rows.map((r) => r.name) : [];
  const recorded = new Set(done);
  return {
    applied: knownMigrations.filter((name) => recorded.has(name)).length,
    pending: knownMigrations.filter((name) => !recorded.has(name)),
    unknown: done.filter((name) => !knownMigrations.includes(name)).sort(),
  };
}
