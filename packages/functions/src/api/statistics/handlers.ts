import type { RouteHandler } from '@hono/zod-openapi';
import * as core from '@parley/core';
import type { ReportedAssistant } from '@parley/db';
import type { Context } from 'hono';
import type { AppEnv } from '../../shared/env.js';
import { markReplay } from '../../shared/idempotency.js';
import { absolute, exportServices, RETRY_AFTER_SECONDS } from '../../shared/export-http.js';
import type * as routes from './routes.js';

/** The chatbot of the path, as the group's middleware resolved it. */
function pathChatbot(c: Context<AppEnv>): ReportedAssistant {
  const chatbot = c.get('chatbot');
  if (!chatbot) throw new Error('the statistics routes run behind the chatbot middleware');
  return chatbot;
}

export const overviewReport: RouteHandler<typeof routes.overviewReport, AppEnv> = async (c) => {
  const { from, to, interval, components, timezone } = c.req.valid('query');
  return c.json(await core.statisticsReport(c.get('db'), c.get('principal'), pathChatbot(c), 'overview', { from, to, interval, components, timezone }), 200);
};

export const channelReport: RouteHandler<typeof routes.channelReport, AppEnv> = async (c) => {
  const { from, to, interval, components, timezone, channelId } = c.req.valid('query');
  return c.json(await core.statisticsReport(c.get('db'), c.get('principal'), pathChatbot(c), 'channel', { from, to, interval, components, timezone, channelId }), 200);
};

export const channels: RouteHandler<typeof routes.channels, AppEnv> = async (c) => {
  const list = await core.assistantChannels(c.get('db'), pathChatbot(c));
  return c.json({ channels: list.map((ch) => ({ id: ch.id, type: ch.type, name: ch.name, isEnabled: ch.isEnabled, createdAt: ch.createdAt.toISOString() })) }, 200);
};

export const inbox: RouteHandler<typeof routes.inbox, AppEnv> = async (c) => {
  const { from, to } = c.req.valid('query');
  const stats = await core.inboxStatistics(c.get('db'), c.get('principal'), pathChatbot(c), { from, to });
  return c.json({ from: from.toISOString(), to: to.toISOString(), ...stats }, 200);
};

export const exportStatistics: RouteHandler<typeof routes.exportStatistics, AppEnv> = async (c) => {
  const services = exportServices(c);
  const { job, replayed } = await core.requestStatisticsExport(c.get('db'), services, c.get('principal'), pathChatbot(c), c.req.valid('query'), c.req.valid('header')['idempotency-key']);
  markReplay(c, replayed);
  // The kind's path, with the job's own chatbot id: the request's path may spell it in capitals.
  const statusUrl = absolute(c, core.exportStatusPath(services.kinds, job));
  return c.json({ exportId: job.id, status: job.status, statusUrl }, 202, { Location: statusUrl, 'Retry-After': String(RETRY_AFTER_SECONDS) });
};

/** The documented status shape: `downloadUrl` only when completed, `error` only when failed. */
export const exportStatus: RouteHandler<typeof routes.exportStatus, AppEnv> = async (c) => {
  const { exportId } = c.req.valid('param');
  const services = exportServices(c);
  const job = await core.findStatisticsExportJob(c.get('db'), services, c.get('principal'), pathChatbot(c), exportId);
  const { download } = await core.viewExportJob(services, job);
  return c.json(
    {
      status: job.status,
      ...(download && { downloadUrl: absolute(c, download.url) }),
      ...(job.status === 'failed' && { error: job.error ?? 'The export failed' }),
    },
    200,
  );
};
