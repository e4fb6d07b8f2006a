import { sql } from 'kysely';
import type { Executor } from '../executor.js';
import type { DeliveryStatus } from '../schema.js';

// Deliveries of messages to a chat's owner over SMS or email.

export interface DeliveryRecord {
  id: string;
  chatId: string;
  messageId: string;
  channel: 'sms' | 'email';
  provider: string;
  recipient: string;
  payload: Record<string, unknown>;
  status: DeliveryStatus;
  providerMessageId: string | null;
  error: string | null;
  createdAt: Date;
}

export async function insertDelivery(
  db: Executor,
  input: { workspaceId: string; chatId: string; messageId: string; channel: 'sms' | 'email'; provider: string; recipient: string; payload: Record<string, unknown> },
): Promise<{ id: string }> {
  return db
    .insertInto('deliveries')
    .values({
      workspace_id: input.workspaceId,
      chat_id: input.chatId,
      message_id: input.messageId,
      channel: input.channel,
      provider: input.provider,
      recipient: input.recipient,
      payload: JSON.stringify(input.payload),
      status: 'pending',
      provider_message_id: null,
      error: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

export async function updateDelivery(db: Executor, id: string, patch: { status: DeliveryStatus; providerMessageId?: string | null; error?: string | null }): Promise<void> {
  await db
    .updateTable('deliveries')
    .set({ status: patch.status, provider_message_id: patch.providerMessageId ?? null, error: patch.error ?? null, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .execute();
}

/** The workspace's deliveries, oldest first; optionally of one chat or in one status (the outbox: `queued`). */
export async function listDeliveries(db: Executor, workspaceId: string, filter: { chatId?: string; status?: DeliveryStatus } = {}): Promise<DeliveryRecord[]> {
  const rows = await db
    .selectFrom('deliveries')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .$if(filter.chatId !== undefined, (qb) => qb.where('chat_id', '=', filter.chatId!))
    .$if(filter.status !== undefined, (qb) => qb.where('status', '=', filter.status!))
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    chatId: r.chat_id,
    messageId: r.message_id,
    channel: r.channel,
    provider: r.provider,
    recipient: r.recipient,
    payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload,
    status: r.status,
    providerMessageId: r.provider_message_id,
    error: r.error,
    createdAt: r.created_at,
  }));
}
