import type { TestProject } from 'vitest/node';
import { createDb, migrateToLatest } from '@parley/db';
import { startWsProxy } from './ws-proxy.js';

declare module 'vitest' {
  export interface ProvidedContext {
    neonWsProxy: string | undefined;
  }
}

// With DATABASE_URL the suite runs on that Postgres: migrate it once here. Without it every test
// file gets its own embedded PGlite. For the Neon driver, start the WebSocket proxy it talks through.
export default async function setup(project: TestProject) {
  const url = process.env.DATABASE_URL;
  let proxy: Awaited<ReturnType<typeof startWsProxy>> | undefined;
  if (url) {
    const handle = await createDb({ driver: 'pg', url });
    try {
      await migrateToLatest(handle.db);
    } finally {
      await handle.close();
    }
    if (process.env.DATABASE_DRIVER === 'neon') proxy = await startWsProxy();
  }
  project.provide('neonWsProxy', proxy?.address);
  return async () => {
    await proxy?.close();
  };
}
