// Page requests and pages, shared by every list.

export interface PageRequest {
  /** Rows to skip. */
  offset: number;
  limit: number;
}

export interface Page<T> {
  items: T[];
  hasMore: boolean;
}
