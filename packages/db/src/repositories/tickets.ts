import type { Executor } from '../executor.js';
import type { TicketStatus } from '../schema.js';

/** Opens a ticket and links it to the chat as its current ticket. */
export async function openTicketForChat(
  db: Executor,
  input: { workspaceId: string; chatId: string; status?: TicketStatus; subject?: string | null },
): Promise<{ id: string }> {
  const ticket = await db
    .insertInto('tickets')
    .values({ workspace_id: input.workspaceId, status: input.status, subject: input.subject ?? null })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db.updateTable('chats').set({ ticket_id: ticket.id }).where('workspace_id', '=', input.workspaceId).where('id', '=', input.chatId).execute();
  return ticket;
}
