import '@hono/zod-openapi'; // first: it gives zod's schemas .openapi()
import * as z from 'zod';
import { INBOX_MAX_DAYS, MAX_BUCKETS } from '@parley/core';
import { security as commonSecurity } from '../../shared/app.js';
import { commonErrorResponses } from '../../shared/errors.js';
import { IdempotencyHeaders, idempotencyErrors, replayHeader } from '../../shared/idempotency.js';
import { authorizedRoute, json } from '../../shared/route.js';
import {
  BUCKETS_DESCRIPTION,
  ChannelReportQuery,
  ChatbotChannelList,
  ChatbotParams,
  ExportParams,
  ExportQuery,
  InboxQuery,
  InboxStatistics,
  OverviewReportQuery,
  StatisticsExportAccepted,
  StatisticsExportStatus,
  StatisticsReport,
} from './schemas.js';

export const tags = ['Statistics'];
const base = '/v1/chatbots/{chatbotId}/statistics';
/** This group also takes the key in `x-chatcaptain-key`. */
export const security: Array<Record<string, string[]>> = [...commonSecurity, { chatcaptainKey: [] }];

const CHATBOT_NOTE = "The chatbot is an assistant of the API key's workspace; any other id answers 404.";

export const channelReport = authorizedRoute({ permission: 'statistics:read', security }, {
  operationId: 'getStatisticsChannelReport',
  method: 'get',
  path: `${base}/reports/channel`,
  tags,
  summary: 'Generates a channel-specific report',
  description: [
    'The requested components for the chats of the chatbot on one channel over the period.',
    `${CHATBOT_NOTE} An unknown channel, or one the chatbot does not answer on, answers 404.`,
    '',
    BUCKETS_DESCRIPTION,
  ].join('\n'),
  request: { params: ChatbotParams, query: ChannelReportQuery },
  responses: { 200: json(StatisticsReport, 'The report structure depends on the requested components.'), ...commonErrorResponses },
});

export const overviewReport = authorizedRoute({ permission: 'statistics:read', security }, {
  operationId: 'getStatisticsOverview',
  method: 'get',
  path: `${base}/reports/overview`,
  tags,
  summary: 'Generates an overview report',
  description: ['The requested components for every chat of the chatbot over the period.', CHATBOT_NOTE, '', BUCKETS_DESCRIPTION].join('\n'),
  request: { params: ChatbotParams, query: OverviewReportQuery },
  responses: { 200: json(StatisticsReport, 'The report structure depends on the requested components.'), ...commonErrorResponses },
});

export const exportStatistics = authorizedRoute({ permission: 'statistics:export', security }, {
  operationId: 'createStatisticsExport',
  method: 'post',
  path: `${base}/export`,
  tags,
  summary: 'Creates an export of statistics',
  description: [
    "Starts writing the chatbot's statistics over the period to a CSV file in the background and answers at once with the job's id;",
    'poll `GET /export/{exportId}` (the `Location` header) until it is `completed`, then follow its `downloadUrl`.',
    'Repeating the same request while its job is queued or running returns that job rather than starting another; with the same `Idempotency-Key`, a repeat returns the first job in whatever state it is, finished or not.',
    CHATBOT_NOTE,
    '',
    `The file has a header row, then a row per bucket and component (breakdown components a row per key). Buckets as for the reports: local days or hours in the zone of \`timezone\` (the workspace's when absent), the period widened to whole buckets, at most ${MAX_BUCKETS[86400]} daily or ${MAX_BUCKETS[3600]} hourly buckets.`,
    'CSV per RFC 4180 (CRLF line ends, fields with commas, quotes or line breaks quoted), UTF-8; text a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed with an apostrophe, numbers are left as they are.',
  ].join('\n'),
  request: { params: ChatbotParams, query: ExportQuery, headers: IdempotencyHeaders },
  responses: {
    202: {
      description: 'Export job has been started.',
      headers: z.object({
        Location: z.string().openapi({ description: 'The status URL.' }),
        'Retry-After': z.string().openapi({ description: 'Seconds to wait before polling.' }),
        'Idempotent-Replayed': z.string().optional().openapi({ description: replayHeader['Idempotent-Replayed'].description }),
      }),
      content: { 'application/json': { schema: StatisticsExportAccepted } },
    },
    ...commonErrorResponses,
    ...idempotencyErrors,
  },
});

export const exportStatus = authorizedRoute({ permission: 'statistics:export', reach: 'exports', security }, {
  operationId: 'getStatisticsExport',
  method: 'get',
  path: `${base}/export/{exportId}`,
  tags,
  summary: 'Retrieves the status of a statistics export',
  description:
    "The export job's status; when `completed`, a freshly signed, short-lived `downloadUrl`; when `failed`, the `error`. " +
    "Another chatbot's export, or an export of another kind, answers 404.",
  request: { params: ExportParams },
  responses: { 200: json(StatisticsExportStatus, 'The current status of the export job.'), ...commonErrorResponses },
});

export const inbox = authorizedRoute({ permission: 'statistics:read', reach: 'chats', security }, {
  operationId: 'getStatisticsInbox',
  method: 'get',
  path: `${base}/inbox`,
  tags,
  summary: 'Retrieves statistics of the inbox section of a chatbot.',
  description: [
    'The chats the chatbot answers (its own, or handed to it) created in the period, as they are now: by state, waiting for an answer, assigned or not,',
    'and the median time to the first human answer. Removed and test chats are left out.',
    `${CHATBOT_NOTE} The period runs from \`from\` to \`to\` inclusive, at most ${INBOX_MAX_DAYS} days.`,
  ].join(' '),
  request: { params: ChatbotParams, query: InboxQuery },
  responses: { 200: json(InboxStatistics, 'The inbox statistics data.'), ...commonErrorResponses },
});

export const channels = authorizedRoute({ permission: 'statistics:read', security }, {
  operationId: 'listStatisticsChannels',
  method: 'get',
  path: `${base}/channels`,
  tags,
  summary: 'Retrieves all channels associated with a chatbot',
  description: `The channels the chatbot answers on: those it is the responder of, and those of a squad it belongs to; by name, then id. ${CHATBOT_NOTE}`,
  request: { params: ChatbotParams },
  responses: { 200: json(ChatbotChannelList, 'The list of channels for the chatbot.'), ...commonErrorResponses },
});
