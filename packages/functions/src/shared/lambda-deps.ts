import { config, createProviders, databaseOptions, lazyDatabase, type Providers } from '@parley/core';
import { Resource } from 'sst/resource';
import type { AppDeps } from './env.js';

// In a Lambda container the database opens on the first request and is reused by later ones.
// Migrations are not run here: deploys migrate once, before traffic.

/** The Neon connection string linked to the function (infra/secrets.ts), when deployed with SST. */
function linkedDatabaseUrl(): string | undefined {
  try {
    return (Resource as unknown as Record<string, { value?: string } | undefined>).DatabaseUrl?.value;
  } catch {
    return undefined; // not running under SST (tests, the local server): DATABASE_URL decides
  }
}

/** The provider settings linked to the function (infra/secrets.ts), as variables the configuration reads. */
function linkedProviderSettings(): Record<string, unknown> {
  try {
    const raw = (Resource as unknown as Record<string, { value?: string } | undefined>).ChatProviders?.value;
    const parsed: unknown = raw ? JSON.parse(raw) : {};
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {}; // not under SST, or not JSON: the environment decides
  }
}

// The configuration is parsed once, on first use: linked values join the environment before that.
let linked = false;
function applyLinkedSettings() {
  if (linked) return;
  linked = true;
  if (!process.env.DATABASE_URL) {
    const url = linkedDatabaseUrl();
    if (url) process.env.DATABASE_URL = url;
  }
  for (const [name, value] of Object.entries(linkedProviderSettings())) {
    if (process.env[name] === undefined && value !== null && value !== undefined) process.env[name] = String(value);
  }
}

const database = lazyDatabase(() => {
  applyLinkedSettings();
  return databaseOptions(config());
});

let providers: Providers | undefined;

export const lambdaDeps: AppDeps = {
  db: database.db,
  providers: () => {
    applyLinkedSettings();
    return (providers ??= createProviders(config().providers));
  },
};
