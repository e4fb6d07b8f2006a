import { AppError, type ExportServices } from '@parley/core';
import type { Context } from 'hono';
import type { AppEnv } from './env.js';

// What the export routes of every group share on the HTTP side.

/** Seconds a client should wait before polling a job that is still being written. */
export const RETRY_AFTER_SECONDS = 2;

/** The export queue and store withExports set; a 500 where the server has none. */
export function exportServices(c: Context<AppEnv>): ExportServices {
  const services = c.get('exports');
  if (!services) throw new AppError('internal', 'Exports are not configured on this server');
  return services;
}

/** A store link may be relative to this API (the local server's signed links). */
export const absolute = (c: Context, url: string) => new URL(url, c.req.url).toString();
