import { CHAT_EXPORT_KIND, chatExportKind } from './exports/chat-exports.js';
import type { ExportKinds } from './exports/jobs.js';
import { STATISTICS_EXPORT_KIND, statisticsExportKind } from './statistics/export.js';

// The registry of export kinds, above both: the pipeline (exports/) runs whatever kinds it is given, and
// each kind (chats in exports/chat-exports.ts, statistics in statistics/export.ts) knows only the
// pipeline. A new kind is one entry here.

/** Every export kind, by the name its jobs record. */
export const EXPORT_KINDS: ExportKinds = {
  [CHAT_EXPORT_KIND]: chatExportKind,
  [STATISTICS_EXPORT_KIND]: statisticsExportKind(),
};
