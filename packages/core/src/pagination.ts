import type { PageRequest } from '@parley/db';

/** Page-number pagination (pageNumber from 1, pageSize 1..100) as an offset window. */
export function pageWindow(pageNumber: number, pageSize: number): PageRequest {
  return { offset: (pageNumber - 1) * pageSize, limit: pageSize };
}
