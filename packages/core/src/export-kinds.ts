import { CHAT_EXPORT_KIND, chatExportKind, chatExportKindInfo } from './exports/chat-exports.js';
import type { ExportKindInfos, ExportKinds } from './exports/jobs.js';
import { STATISTICS_EXPORT_KIND, statisticsExportKind, statisticsExportKindInfo } from './statistics/export.js';

// The registry of export kinds, above both: the pipeline (exports/) runs whatever kinds it is given, and
// each kind (chats in exports/chat-exports.ts, statistics in statistics/export.ts) knows only the
// pipeline. A new kind is one entry in each registry.

/**
 * Every export kind, by the name its jobs record: what the export worker runs. Built by a call marked pure
 * so that a bundle that never reads it (every API function) drops it and the code it reaches: an object
 * with computed keys is not dropped by itself.
 */
export const EXPORT_KINDS: ExportKinds = /* @__PURE__ */ (() => ({
  [CHAT_EXPORT_KIND]: chatExportKind,
  [STATISTICS_EXPORT_KIND]: statisticsExportKind(),
}))();

/**
 * Every export kind as the HTTP side knows it (status path and file name): the API's export services
 * hold these, so its functions bundle none of the code that writes the files (the statistics report, the
 * chats COPY and its CSV transform). Each entry is the same functions as the kind's own.
 */
export const EXPORT_KIND_INFOS: ExportKindInfos = {
  [CHAT_EXPORT_KIND]: chatExportKindInfo,
  [STATISTICS_EXPORT_KIND]: statisticsExportKindInfo,
};
