import type { Database } from '@parley/db';
import type { Principal } from '@parley/core';
import type { Kysely } from 'kysely';

export interface AppDeps {
  /** The database, opened on first use. */
  db: () => Promise<Kysely<Database>>;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    db: Kysely<Database>;
    principal: Principal;
  };
}
