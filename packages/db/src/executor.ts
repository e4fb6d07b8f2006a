import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';

/** What every repository function takes first: the database or a transaction. */
export type Executor = Kysely<Database> | Transaction<Database>;
