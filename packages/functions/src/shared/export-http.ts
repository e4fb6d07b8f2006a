import { AppError, config, type ExportServices } from '@parley/core';
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

/**
 * Where clients reach this API, for the links it hands out: PUBLIC_URL; unset, on Lambda, API Gateway's
 * own domain (with the stage, when the path carries it); else http://localhost:PORT. Never the request's
 * Host header, which the client writes: a link built from it would be signed for any host it names.
 */
export function publicBaseUrl(c: Context<AppEnv>): string {
  const configured = c.get('exports')?.publicUrl;
  if (configured) return configured.replace(/\/+$/, '');
  const gateway = (c.env as { requestContext?: { domainName?: string; stage?: string } } | undefined)?.requestContext;
  if (gateway?.domainName) {
    const stage = gateway.stage && gateway.stage !== '$default' && c.req.path.startsWith(`/${gateway.stage}/`) ? `/${gateway.stage}` : '';
    return `https://${gateway.domainName}${stage}`;
  }
  return `http://localhost:${config().port}`;
}

/** A link to hand out: a store's absolute link as it is, a path of this API (the local server's signed links) under its public base URL. */
export function absolute(c: Context<AppEnv>, url: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return url;
  return `${publicBaseUrl(c)}${url.startsWith('/') ? '' : '/'}${url}`;
}
