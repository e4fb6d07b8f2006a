import {
  ALL_CHANNELS_KEY,
  type Distribution,
  type ReportedAssistant,
  type Distributions,
  type Executor,
  assistantAnswersOnChannel,
  rawStatistics,
  readRollups,
  type RollupRow,
  type RollupScope,
  type RollupSelection,
  type RollupSize,
  SCORE_QUANTUM,
  type StatMetric,
} from '@parley/db';
import type { Principal } from '../auth.js';
import { AppError } from '../errors.js';
import { MAX_BUCKETS, metricOf, REPORT_COMPONENTS, type ReportInterval, type ReportKind } from './components.js';
import { type Block, cover, formatLocal, type LocalBucket, localBuckets, resolveTimeZone, type SignedBlock } from './time.js';
import { isUuid } from '../input.js';

/** A report request as the HTTP layer parsed it (shapes only; this module validates the rest). */
export interface ReportQuery {
  from: Date;
  to: Date;
  interval: ReportInterval;
  /** The raw `components` parameter: comma-separated ids of the report kind's catalogue. */
  components: string;
  /** An IANA zone; the workspace's when absent. */
  timezone?: string;
  /** The channel of a channel report. */
  channelId?: string;
}


/** The component ids of `raw` (e.g. "0,1,2"), validated against the kind's catalogue, in the order given. */
export function parseComponents(kind: ReportKind, raw: string): number[] {
  const catalogue = REPORT_COMPONENTS[kind];
  const ids: number[] = [];
  const bad: string[] = [];
  for (const part of raw.split(',').map((p) => p.trim())) {
    const id = /^\d{1,3}$/.test(part) ? Number(part) : NaN;
    if (!Number.isInteger(id) || id >= catalogue.length) bad.push(part || '(empty)');
    else if (!ids.includes(id)) ids.push(id);
  }
  if (bad.length > 0 || ids.length === 0) {
    throw AppError.invalid('query.components', `Comma-separated ids from 0 to ${catalogue.length - 1}`, `Unknown components: ${bad.join(', ') || '(none)'}; ${kind} reports take ids 0 to ${catalogue.length - 1}`);
  }
  return ids;
}

/** What a report is about, resolved and validated. */
export interface ReportScope {
  workspaceId: string;
  assistantId: string;
  channelId?: string;
  zone: string;
  interval: ReportInterval;
  buckets: LocalBucket[];
}

async function resolveScope(db: Executor, principal: Principal, assistant: ReportedAssistant, q: Omit<ReportQuery, 'components'>): Promise<ReportScope> {
  // The channels of an assistant are those it answers on (listAssistantChannels); any other is not its channel.
  if (q.channelId !== undefined && !(isUuid(q.channelId) && (await assistantAnswersOnChannel(db, principal.workspaceId, assistant.id, q.channelId)))) {
    throw AppError.notFound('Channel');
  }
  const zone = q.timezone !== undefined ? resolveTimeZone(q.timezone) : assistant.timeZone;
  if (q.to.getTime() < q.from.getTime()) {
    throw AppError.invalid('query.to', 'Must not be before from', '`to` is before `from`');
  }
  const buckets = localBuckets(zone, q.interval, q.from, q.to, MAX_BUCKETS[q.interval]);
  return { workspaceId: principal.workspaceId, assistantId: assistant.id, channelId: q.channelId, zone, interval: q.interval, buckets };
}

// ---- The figures a report is made of ----

export interface Counts {
  conversations: number;
  messages: number;
  interactions: number;
  callDuration: number;
}

/** Everything the components are computed from, whether read from rollups or from raw rows. */
export interface ReportData {
  /** Per bucket, index for index with the scope's buckets (when an interval component is asked for). */
  series?: Counts[];
  current: Counts;
  /** The previous period of equal length (when a trend is asked for). */
  previous?: Counts;
  dists: Distributions;
  /** Medians computed elsewhere (the raw reference); otherwise they come from `dists`. */
  medians?: Partial<Record<StatMetric, number | null>>;
  /** Conversations by channel type (when asked for). */
  byChannelType?: Record<string, number>;
}

const zero = (): Counts => ({ conversations: 0, messages: 0, interactions: 0, callDuration: 0 });
function add(into: Counts, r: Counts, sign: 1 | -1 = 1): Counts {
  into.conversations += sign * r.conversations;
  into.messages += sign * r.messages;
  into.interactions += sign * r.interactions;
  into.callDuration += sign * r.callDuration;
  return into;
}

function mergeDists(into: Distributions, from: Distributions, sign: 1 | -1): void {
  for (const [metric, dist] of Object.entries(from) as Array<[StatMetric, Distribution]>) {
    const target = (into[metric] ??= {});
    for (const [k, n] of Object.entries(dist)) target[k] = (target[k] ?? 0) + sign * n;
  }
}

/** What the requested components need read. */
function needs(names: string[]) {
  const metrics = names.map(metricOf);
  return {
    series: metrics.some((m) => m.endsWith('_INTERVAL')),
    previous: metrics.some((m) => m.endsWith('_PERIODIC_TREND')),
    byChannelType: metrics.includes('CONVERSATION_BY_CHANNEL_TYPE'),
  };
}

/** The rollup selections that cover `blocks`: by their exact starts, or by range where most of a range is needed. */
function selectionsFor(blocks: Block[]): RollupSelection[] {
  const bySize = new Map<RollupSize, Set<number>>();
  for (const b of blocks) (bySize.get(b.size) ?? bySize.set(b.size, new Set()).get(b.size)!).add(b.start);
  return [...bySize].map(([size, set]) => {
    const starts = [...set].sort((a, b) => a - b);
    const span = (starts[starts.length - 1]! - starts[0]!) / (size * 1000) + 1;
    return starts.length > 64 && starts.length * 2 >= span
      ? { size, from: new Date(starts[0]!), to: new Date(starts[starts.length - 1]! + 1) }
      : { size, buckets: starts.map((t) => new Date(t)) };
  });
}

const blockKey = (size: number, start: number) => `${size}:${start}`;

/** Sums rows into the blocks they belong to (several rows per block: per-channel slices of a total). */
function byBlock(rows: RollupRow[]) {
  const map = new Map<string, RollupRow[]>();
  for (const r of rows) {
    const k = blockKey(r.size, r.bucket);
    (map.get(k) ?? map.set(k, []).get(k)!).push(r);
  }
  return map;
}

function sumBlocks(blocks: SignedBlock[], rows: Map<string, RollupRow[]>, dists?: Distributions): Counts {
  const total = zero();
  for (const b of blocks) {
    for (const r of rows.get(blockKey(b.size, b.start)) ?? []) {
      add(total, r, b.sign);
      if (dists && r.dists) mergeDists(dists, r.dists, b.sign);
    }
  }
  return total;
}

/** Conversations by channel type over the blocks, from per-channel rows ('api' for chats without a channel). */
function channelTypes(blocks: SignedBlock[], rows: Map<string, RollupRow[]>): Record<string, number> {
  const byType: Record<string, number> = {};
  for (const b of blocks) {
    for (const r of rows.get(blockKey(b.size, b.start)) ?? []) {
      if (r.channelKey === ALL_CHANNELS_KEY || r.conversations === 0) continue;
      const type = r.channelType ?? 'api';
      byType[type] = (byType[type] ?? 0) + b.sign * r.conversations;
    }
  }
  return Object.fromEntries(Object.entries(byType).filter(([, n]) => n !== 0));
}

/** The report's figures from the rollups: a handful of blocks per period, never raw rows. */
export async function rollupReportData(db: Executor, scope: ReportScope, names: string[]): Promise<ReportData> {
  const need = needs(names);
  const start = scope.buckets[0]!.start.getTime();
  const end = scope.buckets[scope.buckets.length - 1]!.end.getTime();
  const rollupScope: RollupScope = scope.channelId ? { channelKey: scope.channelId } : 'total';
  const base = { workspaceId: scope.workspaceId, assistantId: scope.assistantId };
  const period = cover(start, end);
  const previousBlocks = cover(start - (end - start), start);
  const seriesBlocks = need.series ? scope.buckets.map((b) => cover(b.start.getTime(), b.end.getTime())) : [];

  const [periodRows, previousRows, seriesRows, channelRows] = await Promise.all([
    readRollups(db, { ...base, scope: rollupScope, selections: selectionsFor(period), dists: true }),
    need.previous ? readRollups(db, { ...base, scope: rollupScope, selections: selectionsFor(previousBlocks), dists: false }) : [],
    need.series ? readRollups(db, { ...base, scope: rollupScope, selections: selectionsFor(seriesBlocks.flat()), dists: false }) : [],
    need.byChannelType ? readRollups(db, { ...base, scope: 'each', selections: selectionsFor(period), dists: false, channelTypes: true }) : [],
  ]);

  const dists: Distributions = {};
  const current = sumBlocks(period, byBlock(periodRows), dists);
  const data: ReportData = { current, dists };
  if (need.previous) data.previous = sumBlocks(previousBlocks, byBlock(previousRows));
  if (need.series) {
    const rows = byBlock(seriesRows);
    data.series = seriesBlocks.map((blocks) => sumBlocks(blocks, rows));
  }
  if (need.byChannelType) data.byChannelType = channelTypes(period, byBlock(channelRows));
  return data;
}

/** The same figures computed from raw rows (the reference for tests and the benchmark). */
export async function rawReportData(db: Executor, scope: ReportScope): Promise<ReportData> {
  const start = scope.buckets[0]!.start;
  const end = scope.buckets[scope.buckets.length - 1]!.end;
  const raw = await rawStatistics(db, {
    workspaceId: scope.workspaceId,
    assistantId: scope.assistantId,
    channelId: scope.channelId,
    zone: scope.zone,
    interval: scope.interval,
    start,
    end,
    previousStart: new Date(2 * start.getTime() - end.getTime()),
  });
  const index = new Map(scope.buckets.map((b, i) => [b.start.getTime(), i]));
  const series = scope.buckets.map(zero);
  for (const row of raw.series) {
    const i = index.get(row.start.getTime());
    if (i === undefined) throw new Error(`raw bucket ${row.start.toISOString()} is not a bucket of the report`);
    add(series[i]!, row);
  }
  return { series, current: raw.current, previous: raw.previous, dists: raw.dists, medians: raw.medians, byChannelType: raw.byChannelType };
}

// ---- Components ----

/** The median as percentile_cont(0.5) defines it: the middle value, or the mean of the two middle ones. */
export function medianOf(dist: Distribution | undefined): number | null {
  if (!dist) return null;
  const entries = Object.entries(dist)
    .map(([k, n]) => [Number(k), n] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return null;
  const at = (rank: number) => {
    let seen = 0;
    for (const [v, n] of entries) {
      seen += n;
      if (rank < seen) return v;
    }
    return entries[entries.length - 1]![0];
  };
  return (at(Math.floor((total - 1) / 2)) + at(Math.ceil((total - 1) / 2))) / 2;
}

const sumOf = (dist: Distribution | undefined) => Object.values(dist ?? {}).reduce((s, n) => s + n, 0);

function breakdown(dist: Distribution | Record<string, number> | undefined, key: string) {
  return Object.entries(dist ?? {})
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, n]) => ({ [key]: k, count: n }));
}

function trend(current: number, previous: number, from: Date, to: Date, zone: string) {
  return {
    current,
    previous,
    change: current - previous,
    changePercent: previous === 0 ? null : Math.round(((current - previous) / previous) * 1000) / 10,
    previousFrom: formatLocal(zone, from),
    previousTo: formatLocal(zone, to),
  };
}

/** One component's value from the report's figures. */
export function componentValue(name: string, data: ReportData, scope: Pick<ReportScope, 'zone' | 'buckets'>): unknown {
  const median = (metric: StatMetric, scale = 1) => {
    const m = data.medians && metric in data.medians ? data.medians[metric]! : medianOf(data.dists[metric]);
    return m === null ? null : m / scale;
  };
  const start = scope.buckets[0]!.start;
  const end = scope.buckets[scope.buckets.length - 1]!.end;
  const previousFrom = new Date(2 * start.getTime() - end.getTime());
  const series = (field: keyof Counts) =>
    scope.buckets.map((b, i) => ({ start: b.startLocal, end: b.endLocal, count: data.series?.[i]?.[field] ?? 0 }));
  const trendOf = (field: keyof Counts) => trend(data.current[field], data.previous?.[field] ?? 0, previousFrom, start, scope.zone);
  switch (metricOf(name)) {
    case 'STEP_EXEC_COUNT': return sumOf(data.dists.step);
    case 'CONVERSATION_COUNT': return data.current.conversations;
    case 'CONVERSATION_COUNT_INTERVAL': return series('conversations');
    case 'CONVERSATION_COUNT_PERIODIC_TREND': return trendOf('conversations');
    case 'CONVERSATION_LANGUAGES': return breakdown(data.dists.lang, 'language');
    case 'CONVERSATION_BY_CHANNEL_TYPE': return breakdown(data.byChannelType, 'channelType');
    case 'CONVERSATION_MESSAGE_COUNT_MEDIAN': return median('cmc');
    case 'MESSAGE_COUNT': return data.current.messages;
    case 'MESSAGE_COUNT_INTERVAL': return series('messages');
    case 'MESSAGE_COUNT_PERIODIC_TREND': return trendOf('messages');
    case 'MESSAGE_LENGTH_MEDIAN': return median('len');
    case 'INTENT_HITS': return breakdown(data.dists.intent, 'intent');
    case 'INTENT_SCORE_MEDIAN': return median('score', SCORE_QUANTUM);
    case 'INTENT_COUNT': return sumOf(data.dists.intent);
    case 'INTERACTION_COUNT': return data.current.interactions;
    case 'INTERACTION_COUNT_INTERVAL': return series('interactions');
    case 'INTERACTION_COUNT_PERIODIC_TREND': return trendOf('interactions');
    case 'CALL_DURATION_TOTAL': return data.current.callDuration;
    case 'CALL_DURATION_PERIODIC_TREND': return trendOf('callDuration');
    case 'CALL_DURATION_MEDIAN': return median('cdur');
    case 'CALL_EXIT_STEP': return breakdown(data.dists.cexit, 'step');
    case 'CALL_USER_INPUTS_MEDIAN': return median('cin');
    case 'CALL_END_REASON': return breakdown(data.dists.cend, 'reason');
    case 'CALL_TRANSFER_TARGET': return breakdown(data.dists.ctransfer, 'target');
    default: throw new Error(`no definition for component ${name}`);
  }
}

export function buildComponents(names: string[], data: ReportData, scope: Pick<ReportScope, 'zone' | 'buckets'>): Record<string, unknown> {
  return Object.fromEntries(names.map((name) => [name, componentValue(name, data, scope)]));
}

/** A validated report request: its scope and its component names. */
export async function resolveReport(db: Executor, principal: Principal, assistant: ReportedAssistant, kind: ReportKind, query: ReportQuery) {
  const ids = parseComponents(kind, query.components);
  if (kind === 'channel' && query.channelId === undefined) {
    throw AppError.invalid('query.channelId', 'Required', 'A channel report needs channelId');
  }
  const scope = await resolveScope(db, principal, assistant, { ...query, channelId: kind === 'channel' ? query.channelId : undefined });
  return { scope, names: ids.map((id) => REPORT_COMPONENTS[kind][id]!) };
}

/**
 * The report of `kind` for the assistant (an assistant of the caller's workspace): an unknown assistant, or a
 * channel it does not answer on, is a 404, bad components, zones or periods a 400. `source: 'raw'`
 * computes the same figures from raw rows (for comparisons; slow).
 */
export async function statisticsReport(
  db: Executor,
  principal: Principal,
  assistant: ReportedAssistant,
  kind: ReportKind,
  query: ReportQuery,
  source: 'rollups' | 'raw' = 'rollups',
): Promise<Record<string, unknown>> {
  const { scope, names } = await resolveReport(db, principal, assistant, kind, query);
  const data = source === 'raw' ? await rawReportData(db, scope) : await rollupReportData(db, scope, names);
  return buildComponents(names, data, scope);
}

// ---- Exports ----

/** What a statistics export job remembers. */
export interface StatisticsExportParams {
  /** The assistant's identity id, under the name the saved jobs carry (the contract's chatbotId). */
  chatbotId: string;
  from: string;
  to: string;
  interval: ReportInterval;
  timezone: string;
}

/** The components a CSV carries per bucket: the overview's, without series and trends (the CSV is the series). */
const CSV_COMPONENTS = [
  'CONVERSATION_COUNT', 'CONVERSATION_LANGUAGES', 'CONVERSATION_BY_CHANNEL_TYPE', 'CONVERSATION_MESSAGE_COUNT_MEDIAN',
  'MESSAGE_COUNT', 'MESSAGE_LENGTH_MEDIAN', 'INTERACTION_COUNT', 'INTENT_COUNT', 'INTENT_HITS', 'INTENT_SCORE_MEDIAN', 'STEP_EXEC_COUNT',
  'CALL_DURATION_TOTAL', 'CALL_DURATION_MEDIAN', 'CALL_USER_INPUTS_MEDIAN', 'CALL_EXIT_STEP', 'CALL_END_REASON', 'CALL_TRANSFER_TARGET',
];

export const STATISTICS_CSV_HEADER = ['bucket_start', 'bucket_end', 'component', 'key', 'value'];

/**
 * The CSV of a statistics export: a header row, then one row per interval bucket and per component
 * (breakdown components one row per key; a median without data has an empty value).
 */
export async function statisticsCsvRows(db: Executor, workspaceId: string, params: StatisticsExportParams): Promise<string[][]> {
  const zone = resolveTimeZone(params.timezone);
  const buckets = localBuckets(zone, params.interval, new Date(params.from), new Date(params.to), MAX_BUCKETS[params.interval]);
  const blocks = buckets.map((b) => cover(b.start.getTime(), b.end.getTime()));
  const base = { workspaceId, assistantId: params.chatbotId };
  const selections = selectionsFor(blocks.flat());
  const [rows, channelRows] = await Promise.all([
    readRollups(db, { ...base, scope: 'total', selections, dists: true }),
    readRollups(db, { ...base, scope: 'each', selections, dists: false, channelTypes: true }),
  ]);
  const totals = byBlock(rows);
  const perChannel = byBlock(channelRows);
  const out: string[][] = [STATISTICS_CSV_HEADER];
  buckets.forEach((bucket, i) => {
    const dists: Distributions = {};
    const current = sumBlocks(blocks[i]!, totals, dists);
    const byChannelType = channelTypes(blocks[i]!, perChannel);
    const scope = { zone, buckets: [bucket] };
    const data: ReportData = { current, dists, byChannelType };
    const [s, e] = [bucket.startLocal, bucket.endLocal];
    for (const name of CSV_COMPONENTS) {
      const value = componentValue(name, data, scope);
      if (Array.isArray(value)) {
        for (const item of value as Array<Record<string, string | number>>) {
          const [key, count] = [Object.values(item)[0], item.count];
          out.push([s, e, name, String(key), String(count)]);
        }
      } else {
        out.push([s, e, name, '', value === null ? '' : String(value)]);
      }
    }
  });
  return out;
}
