import type { Database } from '@parley/db';
import type { Config, ExportServices, Principal, Providers, RateLimits } from '@parley/core';
import type { Kysely } from 'kysely';

export interface AppDeps {
  /** The database, opened on first use. */
  db: () => Promise<Kysely<Database>>;
  /** SMS, email, tools and summaries; the configuration's adapters when absent. */
  providers?: () => Providers;
  /** The export queue and store, built on first use; without them the export routes answer 500. */
  exports?: () => ExportServices;
  /** Key settings (the rotation grace period); the configuration's when absent. */
  keys?: () => Config['apiKeys'];
  /** Rate limits per API key; the configuration's when absent. */
  rateLimits?: () => RateLimits;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    db: Kysely<Database>;
    principal: Principal;
    providers: Providers;
    /** Set on the export routes: the export queue and store. */
    exports: ExportServices | undefined;
    /** Set on the keys routes. */
    keySettings: Config['apiKeys'];
  };
}
