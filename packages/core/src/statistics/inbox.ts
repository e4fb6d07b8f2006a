import { type Executor, type InboxStatsRecord, inboxStatistics as readInboxStatistics } from '@parley/db';
import type { Principal } from '../auth.js';
import { chatReach } from '../policy.js';
import { requireChatbot } from './chatbots.js';
import { checkPeriod } from './period.js';

/** The longest period the inbox statistics cover: two years, as the reports' daily buckets. */
export const INBOX_MAX_DAYS = 731;

/**
 * The inbox statistics of the chatbot's chats created in [from, to], of those within the caller's reach
 * (policy.ts): how many there are by state, how many wait for an answer or for someone to take them, who holds the open ones, and
 * how long the first human answer took (median, seconds).
 */
export async function inboxStatistics(
  db: Executor,
  principal: Principal,
  chatbotId: string,
  period: { from: Date; to: Date },
): Promise<InboxStatsRecord> {
  const chatbot = await requireChatbot(db, principal, chatbotId);
  checkPeriod(period, INBOX_MAX_DAYS);
  return readInboxStatistics(db, { reach: chatReach(principal), chatbotId: chatbot.id, from: period.from, to: period.to });
}
