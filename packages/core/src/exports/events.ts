import type { ExportJobRecord } from '@parley/db';
import type { EventInput } from '../events/log.js';
import type { ExportKinds } from './jobs.js';

// The events of export jobs: `export.completed` and `export.failed`, recorded in the transaction that
// marks the job. They name no chat: the requester (memberId) decides who reads them (policy.ts, eventReach).

/**
 * The event of a job that just finished: completed (with its counts) or failed for good (with its reason).
 * Its `statusPath` is where the job's kind answers for it.
 */
export function exportEvent(kinds: ExportKinds, type: 'export.completed' | 'export.failed', job: ExportJobRecord): EventInput {
  const kind = kinds[job.kind];
  if (!kind) throw new Error(`unknown export kind ${job.kind}`);
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
        statusPath: kind.statusPath(job),
      },
    },
  };
}
