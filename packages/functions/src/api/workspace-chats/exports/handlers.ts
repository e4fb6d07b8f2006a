import type { RouteHandler } from '@hono/zod-openapi';
import * as core from '@parley/core';
import type { Context } from 'hono';
import type { AppEnv } from '../../../shared/env.js';
import { absolute, exportServices, RETRY_AFTER_SECONDS } from '../../../shared/export-http.js';
import type * as routes from './routes.js';
import { iso } from '../../../shared/wire.js';

function toExportJob(c: Context, view: core.ExportJobView) {
  const { job, download } = view;
  return {
    id: job.id,
    kind: job.kind,
    status: job.status,
    rowCount: job.rowCount,
    byteCount: job.byteCount,
    attempts: job.attempts,
    downloadUrl: download ? absolute(c, download.url) : null,
    downloadUrlExpiresAt: download ? download.expiresAt.toISOString() : null,
    error: job.error,
    createdAt: job.createdAt.toISOString(),
    startedAt: iso(job.startedAt),
    completedAt: iso(job.completedAt),
  };
}

export const exportChats: RouteHandler<typeof routes.exportChats, AppEnv> = async (c) => {
  const services = exportServices(c);
  const db = c.get('db');
  const principal = c.get('principal');
  const { job } = await core.requestChatExport(db, services, principal, c.req.valid('query'));
  const settled = await core.awaitExportJob(db, job, services.waitMs);
  if (settled.status === 'completed') {
    const { download } = await core.viewExportJob(services, settled);
    return c.body(null, 303, { Location: absolute(c, download!.url) }) as never;
  }
  if (settled.status === 'failed') throw new core.AppError('internal', `Export ${settled.id} failed: ${settled.error ?? 'unknown error'}`);
  const statusUrl = absolute(c, core.exportStatusPath(services.kinds, settled));
  return c.json({ exportId: settled.id, status: settled.status, statusUrl, retryAfter: RETRY_AFTER_SECONDS }, 202, {
    Location: statusUrl,
    'Retry-After': String(RETRY_AFTER_SECONDS),
  });
};

export const exportStatus: RouteHandler<typeof routes.exportStatus, AppEnv> = async (c) => {
  const { export_id } = c.req.valid('param');
  const services = exportServices(c);
  const job = await core.findChatExportJob(c.get('db'), services, c.get('principal'), export_id);
  return c.json(toExportJob(c, await core.viewExportJob(services, job)), 200);
};
