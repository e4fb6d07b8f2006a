import type { ExportJobRecord } from '@parley/db';
import type { EventInput } from '../events/log.js';
import type { ExportKindInfos } from './jobs.js';

// The events of export jobs: `export.completed` and `export.failed`, recorded in the transaction that
// marks the job. They name no chat: the requester (memberId) decides who reads them (policy.ts, eventReach).

/** The workspace's export status endpoint (`/chats/exports/{id}`): the chats kind's, and the fallback below. */
export function workspaceExportStatusPath(job: Pick<ExportJobRecord, 'id' | 'workspaceId'>): string {
  return `/api/v2/w/${job.workspaceId}/chats/exports/${job.id}`;
}

/**
 * Where the job's status is read: its kind's status endpoint. A job of a kind these kinds do not hold (one
 * an earlier release recorded) can only fail; it names the workspace's export status path, as every job did
 * before kinds named their own, rather than keep its event from being recorded.
 */
export function exportStatusPath(kinds: ExportKindInfos, job: ExportJobRecord): string {
  return kinds[job.kind]?.statusPath(job) ?? workspaceExportStatusPath(job);
}

/** The event of a job that just finished: completed (with its counts) or failed for good (with its reason). */
export function exportEvent(kinds: ExportKindInfos, type: 'export.completed' | 'export.failed', job: ExportJobRecord): EventInput {
  return {
    workspaceId: job.workspaceId,
    type,
    resourceId: job.id,
    memberId: job.requestedBy,
    data: {
      export: {
        id: job.id,
        kind: job.kind,
        status: type === 'export.completed' ? 'completed' : 'failed',
        rowCount: job.rowCount,
        byteCount: job.byteCount,
        error: job.error,
        statusPath: exportStatusPath(kinds, job),
      },
    },
  };
}
