import { checkReadiness } from '@parley/core';
import { createApp } from '../../shared/app.js';
import type { AppDeps } from '../../shared/env.js';
import { logError } from '../../shared/errors.js';
import * as routes from './routes.js';

/** `GET /health` and `GET /health/ready`, without a key. */
export function createHealthApp(deps: AppDeps) {
  const app = createApp();
  return app
    .openapi(routes.liveness, (c) => c.json({ status: 'ok' as const }, 200, { 'cache-control': 'no-store' }))
    .openapi(routes.readiness, async (c) => {
      const { cause, ...readiness } = await checkReadiness(deps.db);
      // The client learns that the database did not answer; the log, why.
      if (cause !== undefined) logError(c.get('requestId'), cause);
      const body = { status: readiness.ready ? ('ready' as const) : ('unavailable' as const), database: readiness.database, migrations: readiness.migrations };
      return readiness.ready ? c.json(body, 200, { 'cache-control': 'no-store' }) : c.json(body, 503, { 'cache-control': 'no-store' });
    });
}
