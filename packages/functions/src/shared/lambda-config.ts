import { type Config, config } from '@parley/core';
import { Resource } from 'sst/resource';

// The configuration of a Lambda function, apart from its database and providers (lambda-deps.ts): the
// docs function reads it for CORS and opens no database.

/** A value SST linked to the function (infra/), or undefined outside SST (tests, the local server). */
function linked(resource: string, field: string): string | undefined {
  try {
    const value = (Resource as unknown as Record<string, Record<string, unknown> | undefined>)[resource]?.[field];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The provider settings linked to the function (infra/secrets.ts): a JSON object of variables. */
function linkedProviderSettings(): Record<string, unknown> {
  try {
    const raw = linked('ChatProviders', 'value');
    const parsed: unknown = raw ? JSON.parse(raw) : {};
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {}; // not JSON: the environment decides
  }
}

let linkedApplied = false;

/**
 * The configuration, with what SST links to the function standing in for the variables that are not set:
 * the connection string and the provider settings (infra/secrets.ts), the bucket and the queue
 * (infra/storage.ts, infra/queue.ts). Applied before the configuration is first parsed, once per container.
 */
export function lambdaConfig(): Config {
  if (!linkedApplied) {
    linkedApplied = true;
    const fill = (variable: string, value: string | undefined) => {
      if (process.env[variable] === undefined && value !== undefined) process.env[variable] = value;
    };
    fill('DATABASE_URL', linked('DatabaseUrl', 'value'));
    fill('EXPORTS_BUCKET', linked('Exports', 'name'));
    fill('EXPORTS_QUEUE_URL', linked('ExportsQueue', 'url'));
    fill('WEBHOOKS_QUEUE_URL', linked('WebhooksQueue', 'url'));
    for (const [name, value] of Object.entries(linkedProviderSettings())) {
      if (value !== null && value !== undefined) fill(name, String(value));
    }
  }
  return config();
}
