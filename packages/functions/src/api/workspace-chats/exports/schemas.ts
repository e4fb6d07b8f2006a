import '@hono/zod-openapi'; // first: it gives zod's schemas .openapi()
import * as z from 'zod';
import { CHAT_EXPORT_COLUMNS, EXPORT_JOB_STATUSES } from '@parley/db';
import { Uuid } from '../../../shared/params.js';
import { chatFilterParams, WorkspaceParams } from '../schemas.js';
import { DateTime } from '../../../shared/wire.js';

/** The export takes exactly the list's filters (no paging: every matching chat is exported). */
export const ExportChatsQuery = z.strictObject(chatFilterParams);

export const ExportParams = WorkspaceParams.extend({
  export_id: Uuid.openapi({ param: { name: 'export_id', in: 'path' }, description: 'The export job id returned by GET /export.' }),
});

export const CSV_COLUMNS_DESCRIPTION = [
  'The file is CSV per RFC 4180 (comma-separated, CRLF line ends, fields with commas, quotes or line breaks quoted and quotes doubled), UTF-8 without a byte-order mark, with a header row. An empty field is a missing value.',
  'Text that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed with an apostrophe.',
  'Columns, in this order (later versions only append):',
  ...CHAT_EXPORT_COLUMNS.map(([name, description]) => `- \`${name}\`: ${description}`),
].join('\n');

export const ExportAccepted = z
  .object({
    exportId: Uuid.openapi({ description: 'The export job id.' }),
    status: z.enum(EXPORT_JOB_STATUSES).openapi({ description: '`queued` or `running`.' }),
    statusUrl: z.string().openapi({ description: "The job's status URL (also in the `Location` header)." }),
    retryAfter: z.number().int().openapi({ description: 'Seconds to wait before polling (also in the `Retry-After` header).' }),
  })
  .openapi('ExportAccepted');

export const ExportJob = z
  .object({
    id: Uuid,
    kind: z.string().openapi({ description: 'What is exported: `workspace-chats`.' }),
    status: z.enum(EXPORT_JOB_STATUSES).openapi({ description: '`queued`, `running` (being written), `completed` (downloadable) or `failed` (see `error`).' }),
    rowCount: z.number().int().nullable().openapi({ description: 'Chats written so far while `running` (updated every few seconds), the chats in the file once `completed`; null before the first figure.' }),
    byteCount: z.number().int().nullable().openapi({ description: 'Size of the file in bytes, once completed.' }),
    attempts: z.number().int().openapi({ description: 'Runs started so far (a failed run is retried up to three times).' }),
    downloadUrl: z.string().nullable().openapi({ description: 'A short-lived link to the CSV, once completed; each status request signs a fresh one.' }),
    downloadUrlExpiresAt: DateTime.nullable().openapi({ description: 'When `downloadUrl` stops working.' }),
    error: z.string().nullable().openapi({ description: 'Why the export failed (or why the last attempt failed, while it is retried).' }),
    createdAt: DateTime,
    startedAt: DateTime.nullable(),
    completedAt: DateTime.nullable(),
  })
  .openapi('ExportJob');
