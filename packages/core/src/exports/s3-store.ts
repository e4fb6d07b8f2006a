import type { S3Client } from '@aws-sdk/client-s3';
import { commonJs } from '@parley/db';
import type { Readable } from 'node:stream';
import type { ExportStore } from './ports.js';

export interface S3StoreOptions {
  bucket: string;
  region: string;
  /** An S3-compatible endpoint (tests, benchmarks); path-style addressing then. */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Multipart part size; memory holds about `queueSize` parts. */
  partSize?: number;
  queueSize?: number;
}

/** Export files in S3: streamed in by a multipart upload, fetched through presigned GET URLs. */
export function createS3ExportStore(options: S3StoreOptions): ExportStore {
  // The SDK is loaded on first use: a function that never touches an export does not pay for it at cold start.
  let s3: Promise<{ client: S3Client; sdk: typeof import('@aws-sdk/client-s3') }> | undefined;
  const open = () => (s3 ??= import('@aws-sdk/client-s3').then(commonJs).then((sdk) => ({ sdk, client: newClient(sdk) })));
  const newClient = ({ S3Client }: typeof import('@aws-sdk/client-s3')) => new S3Client({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: options.endpoint !== undefined,
    credentials: options.credentials,
    // Checksums only where S3 requires them: streamed bodies of unknown length then go up as plain
    // parts (S3-compatible servers store the aws-chunked framing of flexible checksums as data).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    async upload(key, body: Readable, contentType) {
      const [{ client }, { Upload }] = await Promise.all([open(), import('@aws-sdk/lib-storage').then(commonJs)]);
      const upload = new Upload({
        client,
        params: { Bucket: options.bucket, Key: key, Body: body, ContentType: contentType },
        partSize: options.partSize ?? 8 * 1024 * 1024,
        queueSize: options.queueSize ?? 4,
        // A failed upload aborts its multipart upload, so no half file is ever visible.
        leavePartsOnError: false,
      });
      await upload.done();
    },
    async downloadUrl(key, { filename, expiresInSeconds }) {
      const [{ client, sdk }, { getSignedUrl }] = await Promise.all([open(), import('@aws-sdk/s3-request-presigner').then(commonJs)]);
      const command = new sdk.GetObjectCommand({
        Bucket: options.bucket,
        Key: key,
        ResponseContentDisposition: `attachment; filename="${filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
        ResponseContentType: 'text/csv; charset=utf-8',
      });
      return getSignedUrl(client, command, { expiresIn: expiresInSeconds });
    },
  };
}
