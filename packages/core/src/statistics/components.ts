// The report components, numbered exactly as the Statistics tag of /openapi.json numbers them. A report answers an
// object keyed by component name holding only the requested components.

export const OVERVIEW_COMPONENTS = [
  'STEP_EXEC_COUNT',
  'CONVERSATION_COUNT',
  'CONVERSATION_COUNT_INTERVAL',
  'CONVERSATION_LANGUAGES',
  'CONVERSATION_BY_CHANNEL_TYPE',
  'CONVERSATION_COUNT_PERIODIC_TREND',
  'CONVERSATION_MESSAGE_COUNT_MEDIAN',
  'MESSAGE_COUNT',
  'MESSAGE_COUNT_INTERVAL',
  'MESSAGE_COUNT_PERIODIC_TREND',
  'MESSAGE_LENGTH_MEDIAN',
  'INTENT_HITS',
  'INTENT_SCORE_MEDIAN',
  'INTENT_COUNT',
  'INTERACTION_COUNT',
  'INTERACTION_COUNT_INTERVAL',
  'INTERACTION_COUNT_PERIODIC_TREND',
] as const;

export const CHANNEL_COMPONENTS = [
  'STEP_EXEC_COUNT_FOR_CHANNEL_ID',
  'CONVERSATION_COUNT_FOR_CHANNEL_ID',
  'CONVERSATION_COUNT_INTERVAL_FOR_CHANNEL_ID',
  'CONVERSATION_COUNT_PERIODIC_TREND_FOR_CHANNEL_ID',
  'CONVERSATION_LANGUAGES_FOR_CHANNEL_ID',
  'CONVERSATION_MESSAGE_COUNT_MEDIAN_FOR_CHANNEL_ID',
  'INTENT_COUNT_FOR_CHANNEL_ID',
  'INTENT_HITS_FOR_CHANNEL_ID',
  'INTENT_SCORE_MEDIAN_FOR_CHANNEL_ID',
  'INTERACTION_COUNT_FOR_CHANNEL_ID',
  'INTERACTION_COUNT_INTERVAL_FOR_CHANNEL_ID',
  'INTERACTION_COUNT_PERIODIC_TREND_FOR_CHANNEL_ID',
  'MESSAGE_COUNT_FOR_CHANNEL_ID',
  'MESSAGE_COUNT_INTERVAL_FOR_CHANNEL_ID',
  'MESSAGE_COUNT_PERIODIC_TREND_FOR_CHANNEL_ID',
  'MESSAGE_LENGTH_MEDIAN_FOR_CHANNEL_ID',
  'CALL_DURATION_TOTAL',
  'CALL_DURATION_PERIODIC_TREND',
  'CALL_DURATION_MEDIAN',
  'CALL_EXIT_STEP',
  'CALL_USER_INPUTS_MEDIAN',
  'CALL_END_REASON',
  'CALL_TRANSFER_TARGET',
] as const;

export type ReportKind = 'overview' | 'channel';
export type OverviewComponent = (typeof OVERVIEW_COMPONENTS)[number];
export type ChannelComponent = (typeof CHANNEL_COMPONENTS)[number];

export const REPORT_COMPONENTS: Record<ReportKind, readonly string[]> = { overview: OVERVIEW_COMPONENTS, channel: CHANNEL_COMPONENTS };

/** The metric a component reports, whatever the report: its name without the channel suffix. */
export function metricOf(component: string): string {
  return component.replace(/_FOR_CHANNEL_ID$/, '');
}

/** Bucket lengths a report accepts, in seconds: local days and local hours. */
export const REPORT_INTERVALS = [86400, 3600] as const;
export type ReportInterval = (typeof REPORT_INTERVALS)[number];

/** At most this many buckets per report (and per export): two years of days, or 31 days of hours. */
export const MAX_BUCKETS: Record<ReportInterval, number> = { 86400: 731, 3600: 744 };

/** One line of the one-sentence definitions the OpenAPI description lists, by metric. */
export const METRIC_DEFINITIONS: Record<string, string> = {
  STEP_EXEC_COUNT: 'Step executions: messages of the period that record a flow step (`step` set).',
  CONVERSATION_COUNT: 'Conversations: chats of the chatbot created in the period.',
  CONVERSATION_COUNT_INTERVAL: 'Conversations per bucket: `[{ start, end, count }]`, every bucket present, zeros included.',
  CONVERSATION_LANGUAGES: 'Conversations of the period by language: `[{ language, count }]`, most first; `unknown` when not detected.',
  CONVERSATION_BY_CHANNEL_TYPE: 'Conversations of the period by channel type: `[{ channelType, count }]`; chats without a channel count as `api`.',
  CONVERSATION_COUNT_PERIODIC_TREND: 'Conversations of the period against the previous period of equal length: `{ current, previous, change, changePercent, previousFrom, previousTo }`.',
  CONVERSATION_MESSAGE_COUNT_MEDIAN: 'Median number of messages (user and assistant) per conversation created in the period; null without conversations.',
  MESSAGE_COUNT: 'Messages: user and assistant messages sent in the period (tool results, notes, system and event messages are not counted).',
  MESSAGE_COUNT_INTERVAL: 'Messages per bucket: `[{ start, end, count }]`.',
  MESSAGE_COUNT_PERIODIC_TREND: 'Messages against the previous period of equal length.',
  MESSAGE_LENGTH_MEDIAN: 'Median length in characters of the messages of the period; null without messages.',
  INTENT_HITS: 'Recognised intents of the period: `[{ intent, count }]`, most first.',
  INTENT_SCORE_MEDIAN: 'Median confidence of the recognised intents, scores quantised to 0.001 first; null without intents.',
  INTENT_COUNT: 'Intent hits: messages of the period with a recognised intent.',
  INTERACTION_COUNT: 'Interactions: user messages of the period (each is one turn the chatbot answers).',
  INTERACTION_COUNT_INTERVAL: 'Interactions per bucket: `[{ start, end, count }]`.',
  INTERACTION_COUNT_PERIODIC_TREND: 'Interactions against the previous period of equal length.',
  CALL_DURATION_TOTAL: 'Total duration in seconds of the calls (chats with call data) created in the period.',
  CALL_DURATION_PERIODIC_TREND: 'Total call duration against the previous period of equal length.',
  CALL_DURATION_MEDIAN: 'Median call duration in seconds; null without calls.',
  CALL_EXIT_STEP: 'Calls by the step they ended in: `[{ step, count }]`; `unknown` when not recorded.',
  CALL_USER_INPUTS_MEDIAN: 'Median number of user inputs per call; null without calls that record them.',
  CALL_END_REASON: 'Calls by end reason: `[{ reason, count }]`; `unknown` when not recorded.',
  CALL_TRANSFER_TARGET: 'Transferred calls by target: `[{ target, count }]` (calls without a transfer are left out).',
};
