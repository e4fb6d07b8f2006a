import type { ReportedAssistant, Database } from '@parley/db';
import type { Config, ExportServices, Principal, Providers, RateLimits, WebhookServices } from '@parley/core';
import type { Kysely } from 'kysely';

export interface AppDeps {
  /** The database, opened on first use. */
  db: () => Promise<Kysely<Database>>;
  /** SMS, email, tools and summaries; the configuration's adapters when absent. */
  providers?: () => Providers;
  /** The export queue and store, built on first use; without them the export routes answer 500. */
  exports?: () => ExportServices;
  /** The webhook queue and transport, built on first use; without them redeliveries wait for the sweep. */
  webhooks?: () => WebhookServices;
  /** Called after each successful change (a non-GET request answered below 400): asks the webhook dispatcher to fan out new events. */
  notifyEvents?: () => Promise<void>;
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
    /** Set on the webhook endpoint routes. */
    webhooks: WebhookServices | undefined;
    /** Set on the statistics routes: the chatbot of the path, resolved once by the group's middleware. */
    chatbot: ReportedAssistant | undefined;
    /** Set on the keys routes. */
    keySettings: Config['apiKeys'];
  };
}
