import '@hono/zod-openapi'; // first: it gives zod's schemas .openapi()
import * as z from 'zod';
import { commonErrorResponses } from '../../../shared/errors.js';
import { authorizedRoute, json } from '../../../shared/route.js';
import { tags } from '../routes.js';
import { CSV_COLUMNS_DESCRIPTION, ExportAccepted, ExportChatsQuery, ExportJob, ExportParams } from './schemas.js';
import { WorkspaceParams } from '../schemas.js';

const base = '/api/v2/w/{workspace_uuid}/chats';

export const exportChats = authorizedRoute({ permission: 'chats:read', reach: 'chats' }, {
  operationId: 'createChatExport',
  method: 'get',
  path: `${base}/export`,
  tags,
  summary: 'Export chats as CSV with filtering applied.',
  description: [
    'Exports every chat matching the filters (the same parameters as the list, not paginated) to a CSV file.',
    'The file is written in the background: the request records an export job and waits a few seconds for it.',
    '- When the file is ready in time: `303 See Other` with `Location` set to a short-lived download link, so a client that follows redirects receives the CSV.',
    "- Otherwise: `202 Accepted` with the job id and its status URL (body, and `Location`), and `Retry-After` in seconds; poll the status URL until it says `completed` and follow its `downloadUrl`.",
    'Repeating the same request while its job is queued or running returns that job rather than starting another.',
    '',
    '`isAnonymous=true` (and any rule on the `anonymous` field) needs `chats:admin`, which alone reaches the chats of anonymous end users (403 otherwise).',
    '',
    CSV_COLUMNS_DESCRIPTION,
  ].join('\n'),
  request: { params: WorkspaceParams, query: ExportChatsQuery },
  responses: {
    303: {
      description: 'The file is ready: `Location` is a short-lived link to the CSV (`text/csv; charset=utf-8`).',
      headers: z.object({ Location: z.string().openapi({ description: 'The download link.' }) }),
      content: { 'text/csv': { schema: z.string().openapi({ description: 'The CSV, after following the redirect.' }) } },
    },
    202: {
      description: 'Still being written: poll `statusUrl`.',
      headers: z.object({
        Location: z.string().openapi({ description: 'The status URL.' }),
        'Retry-After': z.string().openapi({ description: 'Seconds to wait before polling.' }),
      }),
      content: { 'application/json': { schema: ExportAccepted } },
    },
    ...commonErrorResponses,
  },
});

export const exportStatus = authorizedRoute({ permission: 'chats:read', reach: 'exports' }, {
  operationId: 'getChatExport',
  method: 'get',
  path: `${base}/exports/{export_id}`,
  tags,
  summary: 'Get the status of a chats export.',
  description:
    "An export job's status, row count and error; when `completed`, a freshly signed download link with its expiry.",
  request: { params: ExportParams },
  responses: { 200: json(ExportJob, 'The export job.'), ...commonErrorResponses },
});
