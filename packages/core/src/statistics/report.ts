import type { Executor } from '@parley/db';
import type { Principal } from '../auth.js';
import type { ReportInterval, ReportKind } from './components.js';

/** A report request as the HTTP layer parsed it (shapes only; this module validates the rest). */
export interface ReportQuery {
  from: Date;
  to: Date;
  interval: ReportInterval;
  /** The raw `components` parameter: comma-separated ids of the report kind's catalogue. */
  components: string;
  /** An IANA zone; the workspace's when absent. */
  timezone?: string;
  /** The channel of a channel report. */
  channelId?: string;
}

/**
 * The report of `kind` for the chatbot (an assistant of the caller's workspace): needs `statistics:read`;
 * an unknown chatbot or channel is a 404, bad components, zones or periods a 400.
 * (Being written: the rollup-backed implementation replaces this placeholder.)
 */
export async function statisticsReport(
  _db: Executor,
  _principal: Principal,
  _chatbotId: string,
  _kind: ReportKind,
  _query: ReportQuery,
): Promise<Record<string, unknown>> {
  throw new Error('statistics reports are not implemented yet');
}

/** What a statistics export job remembers. */
export interface StatisticsExportParams {
  chatbotId: string;
  from: string;
  to: string;
  interval: ReportInterval;
  timezone: string;
}

/**
 * The CSV of a statistics export: a header row, then one row per interval bucket and per component
 * (breakdown components one row per key). Cells are plain strings; the caller quotes them.
 */
export async function statisticsCsvRows(_db: Executor, _workspaceId: string, _params: StatisticsExportParams): Promise<string[][]> {
  throw new Error('statistics exports are not implemented yet');
}
