import { requireReportedAssistant } from '@parley/core';
import type { MiddlewareHandler } from 'hono';
import { createGroupApp, operations, requireApiKey, withExports } from '../../shared/app.js';
import type { AppDeps, AppEnv } from '../../shared/env.js';
import * as handlers from './handlers.js';
import * as routes from './routes.js';

/** The header statistics clients send the key in, besides the usual ones (the Statistics tag of /openapi.json names it). */
export const STATISTICS_KEY_HEADERS = ['x-chatcaptain-key'];

/**
 * The chatbot in the path must be an assistant of the key's workspace (404 otherwise): checked before
 * each route's permission and query, so every route of the group answers alike. The handlers read the
 * resolved chatbot from the context (pathChatbot) and pass it to the service they call.
 */
const requirePathChatbot: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set('chatbot', await requireReportedAssistant(c.get('db'), c.get('principal'), c.req.param('chatbotId') ?? ''));
  await next();
};

/** The chatbot statistics (tag Statistics of /openapi.json): reports, inbox, channels and CSV exports of one chatbot. */
export function createStatisticsApp(deps: AppDeps) {
  const base = '/v1/chatbots/:chatbotId/statistics';
  return createGroupApp(
    {
      use: [
        [`${base}/*`, requireApiKey(deps, { extraHeaders: STATISTICS_KEY_HEADERS }), requirePathChatbot],
        [`${base}/export`, withExports(deps)],
        [`${base}/export/*`, withExports(deps)],
      ],
    },
    operations(routes, handlers, ['overviewReport', 'channelReport', 'channels', 'inbox', 'exportStatistics', 'exportStatus']),
  );
}
