import { type ReportedAssistant, type Executor, type InboxStatsRecord, readInboxStatistics } from '@parley/db';
import type { Principal } from '../auth.js';
import { chatReach } from '../policy.js';
import { checkPeriod } from './period.js';

/** The longest period the inbox statistics cover: two years, as the reports' daily buckets. */
export const INBOX_MAX_DAYS = 731;

/**
 * The inbox statistics of the assistant's chats created in [from, to], of those within the caller's reach
 * (policy.ts): how many there are by state, how many wait for an answer or for someone to take them, who holds the open ones, and
 * how long the first human answer took (median, seconds).
 */
export async function inboxStatistics(
  db: Executor,
  principal: Principal,
  assistant: ReportedAssistant,
  period: { from: Date; to: Date },
): Promise<InboxStatsRecord> {
  checkPeriod(period, INBOX_MAX_DAYS);
  return readInboxStatistics(db, { reach: chatReach(principal), assistantId: assistant.id, from: period.from, to: period.to });
}
