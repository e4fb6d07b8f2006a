import type { Database } from '@parley/db';
import type { Principal, Providers } from '@parley/core';
import type { Kysely } from 'kysely';

export interface AppDeps {
  /** The database, opened on first use. */
  db: () => Promise<Kysely<Database>>;
  /** SMS, email, tools and summaries; the configuration's adapters when absent. */
  providers?: () => Providers;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    db: Kysely<Database>;
    principal: Principal;
    providers: Providers;
  };
}
