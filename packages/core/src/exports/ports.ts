import type { Readable } from 'node:stream';
import type { ExportKindInfos } from './jobs.js';

// The export pipeline's ports. Production: SQS and S3. Locally: an in-process queue and a folder served
// through signed links. The code around them is the same in every mode.

/** Where export job ids go to be picked up by the worker. */
export interface ExportQueue {
  send(jobId: string): Promise<void>;
}

/** Where finished files go, and how clients fetch them. */
export interface ExportStore {
  /** Streams `body` to `key`; the object appears whole or not at all. */
  upload(key: string, body: Readable, contentType: string): Promise<void>;
  /** A short-lived link that downloads `key` as `filename`. Relative links are relative to the API's origin. */
  downloadUrl(key: string, options: { filename: string; expiresInSeconds: number }): Promise<string>;
}

/** What the HTTP side of exports needs: the ports, the kinds and the timings from the configuration. */
export interface ExportServices {
  queue: ExportQueue;
  store: ExportStore;
  /** The export kinds by the name their jobs record: EXPORT_KIND_INFOS (export-kinds.ts) outside tests. */
  kinds: ExportKindInfos;
  /** How long a request waits for its file before answering 202. */
  waitMs: number;
  linkTtlSeconds: number;
  /** The queue's maxReceiveCount: a job that used that many runs gets no other. */
  maxReceives: number;
  /** The API's public base URL (PUBLIC_URL), which relative links are resolved against; see export-http.ts when unset. */
  publicUrl?: string;
}

/** The message body on the queue: the job's id, nothing else (the job row holds the rest). */
export interface ExportMessage {
  jobId: string;
}

export function encodeExportMessage(jobId: string): string {
  return JSON.stringify({ jobId } satisfies ExportMessage);
}

/** The job id of a message body, or undefined for a body this pipeline did not write. */
export function decodeExportMessage(body: string): string | undefined {
  try {
    const message = JSON.parse(body) as Partial<ExportMessage>;
    return typeof message?.jobId === 'string' && /^[0-9a-f-]{36}$/i.test(message.jobId) ? message.jobId : undefined;
  } catch {
    return undefined;
  }
}
