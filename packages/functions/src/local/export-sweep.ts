import { type ExportServices, resendStrandedExportJobs } from '@parley/core';
import type { Database } from '@parley/db';
import type { Kysely } from 'kysely';
import type { InProcessExportQueue } from './export-queue.js';

/** How often the local server looks for export jobs its in-process queue has no message for. */
export const EXPORT_SWEEP_INTERVAL_MS = 30_000;

/**
 * The in-process queue lives in this process's memory: a restart loses its messages, and it gives up on
 * a message after its receives. This sweep, at start and then periodically, sends again the jobs left
 * without one (see resendStrandedExportJobs), so no job stays queued or running for good.
 */
export function startExportSweep(options: { db: Kysely<Database>; queue: InProcessExportQueue; services: Pick<ExportServices, 'maxReceives' | 'kinds'>; intervalMs?: number }) {
  const sweep = () =>
    resendStrandedExportJobs(options.db, { ...options.services, queue: options.queue }, options.queue.isPending).catch((err: unknown) => {
      console.error(JSON.stringify({ level: 'error', message: 'export sweep failed', error: String(err) }));
      return [];
    });
  const timer = setInterval(() => void sweep(), options.intervalMs ?? EXPORT_SWEEP_INTERVAL_MS);
  timer.unref();
  return { first: sweep(), stop: () => clearInterval(timer) };
}
