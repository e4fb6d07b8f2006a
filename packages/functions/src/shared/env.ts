import type { ReportedAssistant, Database } from '@parley/db';
import type { Config, ExportServices, Principal, Providers, RateLimits, WebhookServices } from '@parley/core';

/** What the webhook endpoint routes use of the webhook services: the queue (redeliveries) and the private-network setting. */
export type ApiWebhookServices = Pick<WebhookServices, 'queue' | 'allowPrivateNetworks'>;
import type { Kysely } from 'kysely';

export interface AppDeps {
  /** The database, opened on first use. */
  db: () => Promise<Kysely<Database>>;
  /** SMS, email, tools and summaries; the configuration's adapters when absent. */
  providers?: () => Providers;
  /** The export queue and store, built on first use; without them the export routes answer 500. */
  exports?: () => ExportServices;
  /** The webhook queue, built on first use; without it redeliveries wait for the sweep. */
  webhooks?: () => ApiWebhookServices;
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
    webhooks: ApiWebhookServices | undefined;
    /** Set on the statistics routes: the chatbot of the path, resolved once by the group's middleware. */
    chatbot: ReportedAssistant | undefined;
    /** Set on the keys routes. */
    keySettings: Config['apiKeys'];
  };
}
