import '@hono/zod-openapi'; // first: it gives zod's schemas .openapi()
import * as z from 'zod';
import { CHANNEL_COMPONENTS, MAX_BUCKETS, METRIC_DEFINITIONS, metricOf, OVERVIEW_COMPONENTS, type ReportInterval } from '@parley/core';
import { CHANNEL_TYPES, EXPORT_JOB_STATUSES } from '@parley/db';
import { instant, Uuid } from '../../shared/params.js';
import { DateTime } from '../../shared/wire.js';

// Not validated as a UUID here: a malformed id is as unknown as any other, a 404 (core decides).
export const ChatbotParams = z.strictObject({
  chatbotId: z.string().openapi({
    param: { name: 'chatbotId', in: 'path' },
    description: "The ID of the chatbot: the identity id (UUID) of an assistant of the API key's workspace; any other id answers 404.",
    example: '3f0c9a4e-2b7d-4c1e-9a53-8d2f6b1e7c40',
  }),
});

export const ExportParams = ChatbotParams.extend({
  exportId: Uuid.openapi({ param: { name: 'exportId', in: 'path' }, description: 'The Id of the export job (`exportId` of POST /export).' }),
});

const from = instant('The start date of the statistics timeframe.').openapi({ example: '2025-01-04T23:00:00.000Z' });
const to = instant('The end date of the statistics timeframe, inclusive; not before `from`.').openapi({ example: '2025-02-01T22:59:59.999Z' });

/** 86400 or 3600, as a query string; anything else is a 400 naming the two. */
function interval(description: string) {
  return z
    .enum(['86400', '3600'], { message: 'must be 86400 (local days) or 3600 (local hours)' })
    .transform((v) => Number(v) as ReportInterval)
    .openapi({ type: 'integer', enum: [86400, 3600], description });
}

const timezone = z
  .string()
  .max(64, 'must be at most 64 characters')
  .optional()
  .openapi({ description: "The IANA time zone the buckets are aligned to, e.g. `Europe/Berlin`; the workspace's zone when absent.", example: 'Europe/Berlin' });

export const BUCKETS_DESCRIPTION = [
  '**Buckets.** `interval=86400` counts per local day (midnight to midnight), `interval=3600` per local hour, in the workspace\'s time zone or the one `timezone` names.',
  'A day across a daylight-saving change lasts 23 or 25 hours. The period is widened to whole buckets: from the start of the bucket holding `from` to the end of the bucket holding `to`.',
  `A report holds at most ${MAX_BUCKETS[86400]} daily or ${MAX_BUCKETS[3600]} hourly buckets; a longer period answers 400.`,
  '\n\n**Freshness and scope.** Reports read rollups that a scheduled job brings up to date every 15 minutes (every minute on a local server), so new, late or edited messages count from the next run on.',
  "A chat counts for the chatbot that currently responds in it; removed and test chats are left out. Medians are exact (the middle value, or the mean of the two middle values); intent scores are quantised to 0.001 first.",
].join(' ');

/** The component catalogue of a report: each id with its name and what it reports. */
export function componentsDescription(components: readonly string[]): string {
  return [
    'Comma-separated list of component IDs (e.g. `0,1,2`); the report holds those components, keyed by name. An unknown id answers 400.',
    ...components.map((name, id) => `- \`${id}\`: \`${name}\`: ${METRIC_DEFINITIONS[metricOf(name)] ?? ''}`),
  ].join('\n');
}

const components = (catalogue: readonly string[]) =>
  z.string().min(1, 'must name at least one component').openapi({ description: componentsDescription(catalogue), example: '0,1,2' });

export const OverviewReportQuery = z.strictObject({
  from,
  to,
  interval: interval('Sets the interval per day or hour in seconds (86400 for multiple days reports and 3600 for single day reports).'),
  components: components(OVERVIEW_COMPONENTS),
  timezone,
});

export const ChannelReportQuery = z.strictObject({
  channelId: Uuid.openapi({ description: 'The Id of the channel for which to retrieve statistics for: one the chatbot answers on.' }),
  from,
  to,
  interval: interval('Sets the interval per day or hour in seconds (86400 for multiple days reports and 3600 for single day reports).'),
  components: components(CHANNEL_COMPONENTS),
  timezone,
});

export const StatisticsReport = z
  .record(z.string(), z.unknown())
  .openapi('StatisticsReport', { description: 'The report structure depends on the requested components: one key per component, by name.' });

export const ChatbotChannelList = z
  .object({
    channels: z.array(
      z.object({
        id: Uuid,
        type: z.enum(CHANNEL_TYPES).openapi({ description: 'The channel type.' }),
        name: z.string(),
        isEnabled: z.boolean(),
        createdAt: DateTime,
      }),
    ),
  })
  .openapi('ChatbotChannelList');

export const InboxQuery = z.strictObject({ from, to });

export const InboxStatistics = z
  .object({
    from: DateTime.openapi({ description: 'The start of the period, as given.' }),
    to: DateTime.openapi({ description: 'The end of the period, as given.' }),
    conversations: z.number().int().openapi({ description: 'Chats of the chatbot created in the period (removed and test chats left out).' }),
    open: z.number().int().openapi({ description: 'Of those, chats in state OPEN.' }),
    snoozed: z.number().int().openapi({ description: 'Chats in state SNOOZED.' }),
    closed: z.number().int().openapi({ description: 'Chats in state CLOSED.' }),
    needsResponse: z.number().int().openapi({ description: 'Chats waiting for an answer: not closed, not archived.' }),
    unassigned: z.number().int().openapi({ description: 'Chats not closed and assigned to nobody.' }),
    assigned: z
      .array(z.object({ memberId: z.number().int(), name: z.string(), count: z.number().int() }))
      .openapi({ description: 'Open or snoozed chats per assigned member, most first.' }),
    medianFirstHumanResponseSeconds: z.number().nullable().openapi({
      description:
        "Median seconds from a chat's first user message to the first message a workspace user wrote after it (notes not counted), over the chats that have one; null when none has.",
    }),
  })
  .openapi('InboxStatistics');

export const ExportQuery = z.strictObject({
  from,
  to,
  interval: interval('Rows per local day (86400, the default) or per local hour (3600).').default(86400).openapi({ default: 86400 }),
  timezone,
});

export const StatisticsExportAccepted = z
  .object({
    exportId: Uuid.openapi({ description: 'The export job id.' }),
    status: z.enum(EXPORT_JOB_STATUSES).openapi({ description: '`queued`, or `running` when an identical export was already under way.' }),
    statusUrl: z.string().openapi({ description: "The job's status URL (also in the `Location` header)." }),
  })
  .openapi('StatisticsExportAccepted');

export const StatisticsExportStatus = z
  .object({
    status: z.enum(EXPORT_JOB_STATUSES).openapi({ description: '`queued`, `running`, `completed` (downloadable) or `failed` (see `error`).', example: 'completed' }),
    downloadUrl: z.string().optional().openapi({ description: 'URL to download the file when the export is completed; each request signs a fresh, short-lived one.' }),
    error: z.string().optional().openapi({ description: 'Why the export failed; only when `failed`.' }),
  })
  .openapi('StatisticsExportStatus');
