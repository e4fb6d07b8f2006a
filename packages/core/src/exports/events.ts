import type { ExportJobRecord } from '@parley/db';
import type { EventInput } from '../events/log.js';

// The events of export jobs: `export.completed` and `export.failed`, recorded in the transaction that
// marks the job. They name no chat: the requester (memberId) decides who reads them (policy.ts, eventReach).

/** Where the job's status is read: the path of its kind's status endpoint. */
export function exportStatusPath(job: Pick<ExportJobRecord, 'id' | 'kind' | 'workspaceId' | 'params'>): string {
  // The kinds by the names their jobs record (statistics/export.ts; every other kind is chat-exports.ts's `workspace-chats`).
  if (job.kind === 'statistics') return `/v1/chatbots/${String(job.params.chatbotId)}/statistics/export/${job.id}`;
  return `/api/v2/w/${job.workspaceId}/chats/exports/${job.id}`;
}

/** The event of a job that just finished: completed (with its counts) or failed for good (with its reason). */
export function exportEvent(type: 'export.completed' | 'export.failed', job: ExportJobRecord): EventInput {
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
        statusPath: exportStatusPath(job),
      },
    },
  };
}
