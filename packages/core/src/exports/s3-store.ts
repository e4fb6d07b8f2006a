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
  /** Multipart part size (at least S3's 5 MiB); memory holds `queueSize` + 1 parts. */
  partSize?: number;
  /** Parts uploaded at once. */
  queueSize?: number;
}

type S3Sdk = typeof import('@aws-sdk/client-s3');

const MIN_PART_SIZE = 5 * 1024 * 1024;
/** S3's limit on the parts of one upload: 10,000 parts of 8 MiB hold 80 GiB. */
const MAX_PARTS = 10_000;

/** Export files in S3: streamed in by a multipart upload, fetched through presigned GET URLs. */
export function createS3ExportStore(options: S3StoreOptions): ExportStore {
  // The SDK is loaded on first use: a function that never touches an export does not pay for it at cold start.
  let s3: Promise<{ client: S3Client; sdk: S3Sdk }> | undefined;
  const open = () => (s3 ??= import('@aws-sdk/client-s3').then(commonJs).then((sdk) => ({ sdk, client: newClient(sdk) })));
  const newClient = ({ S3Client }: S3Sdk) => new S3Client({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: options.endpoint !== undefined,
    credentials: options.credentials,
    // Checksums only where S3 requires them: streamed bodies of unknown length then go up as plain
    // parts (S3-compatible servers store the aws-chunked framing of flexible checksums as data).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const partSize = Math.max(MIN_PART_SIZE, options.partSize ?? 8 * 1024 * 1024);
  const queueSize = Math.max(1, options.queueSize ?? 4);
  return {
    async upload(key, body: Readable, contentType) {
      const { client, sdk } = await open();
      await streamUpload(client, sdk, { Bucket: options.bucket, Key: key, ContentType: contentType }, body, partSize, queueSize);
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

/**
 * Streams `body` into one object. The bytes are copied once, into part buffers that are reused once
 * their part is stored (a file of any size holds `queueSize` + 1 of them), and `queueSize` parts go up
 * at once while the next fills; the stream waits meanwhile. A body smaller than one part is one PUT.
 * On any failure (the body's or S3's) the multipart upload is aborted, so no part of the file stays.
 */
async function streamUpload(
  client: S3Client,
  sdk: S3Sdk,
  object: { Bucket: string; Key: string; ContentType: string },
  body: Readable,
  partSize: number,
  queueSize: number,
): Promise<void> {
  const { Bucket, Key } = object;
  const free: Buffer[] = [];
  let part: Buffer = Buffer.allocUnsafe(partSize);
  let filled = 0;
  let uploadId: string | undefined;
  const stored: Array<{ PartNumber: number; ETag: string }> = [];
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let parts = 0;

  const send = (buffer: Buffer, length: number) => {
    const number = ++parts;
    if (number > MAX_PARTS) throw new Error(`the file needs more than ${MAX_PARTS} parts of ${partSize} bytes`);
    const upload: Promise<void> = client
      .send(new sdk.UploadPartCommand({ Bucket, Key, UploadId: uploadId, PartNumber: number, Body: buffer.subarray(0, length), ContentLength: length }))
      .then(({ ETag }) => {
        if (!ETag) throw new Error(`part ${number} was stored without an ETag`);
        stored.push({ PartNumber: number, ETag });
        free.push(buffer);
      })
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => inFlight.delete(upload));
    inFlight.add(upload);
  };

  try {
    for await (const data of body) {
      const chunk = typeof data === 'string' ? Buffer.from(data) : (data as Buffer);
      let offset = 0;
      while (offset < chunk.length) {
        const n = Math.min(partSize - filled, chunk.length - offset);
        chunk.copy(part, filled, offset, offset + n);
        filled += n;
        offset += n;
        if (filled < partSize) continue;
        uploadId ??= (await client.send(new sdk.CreateMultipartUploadCommand(object))).UploadId;
        if (!uploadId) throw new Error('S3 started the multipart upload without an id');
        send(part, filled);
        part = free.pop() ?? Buffer.allocUnsafe(partSize);
        filled = 0;
        while (inFlight.size >= queueSize && !failure) await Promise.race(inFlight);
        if (failure) throw failure.error;
      }
    }
    if (!uploadId) {
      await client.send(new sdk.PutObjectCommand({ ...object, Body: part.subarray(0, filled), ContentLength: filled }));
      return;
    }
    if (filled > 0) send(part, filled);
    await Promise.all(inFlight);
    if (failure) throw failure.error;
    stored.sort((a, b) => a.PartNumber - b.PartNumber);
    await client.send(new sdk.CompleteMultipartUploadCommand({ Bucket, Key, UploadId: uploadId, MultipartUpload: { Parts: stored } }));
  } catch (err) {
    body.destroy();
    await Promise.allSettled(inFlight);
    if (uploadId) await client.send(new sdk.AbortMultipartUploadCommand({ Bucket, Key, UploadId: uploadId })).catch(() => {});
    throw err;
  }
}
