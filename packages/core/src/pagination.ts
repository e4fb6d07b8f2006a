import type { PageRequest } from '@parley/db';
import { AppError } from './errors.js';

/** Page-number pagination (pageNumber from 1, pageSize 1..100) as an offset window. */
export function pageWindow(pageNumber: number, pageSize: number): PageRequest {
  return { offset: (pageNumber - 1) * pageSize, limit: pageSize };
}

/** An opaque keyset token: a JSON position, base64url-encoded. */
export function encodePageToken(position: unknown): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/** The position inside a token; a token that is not one of ours is a 400 at `path`. */
export function decodePageToken(token: string, path: string): unknown {
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw AppError.invalidPageToken(path);
  }
}
