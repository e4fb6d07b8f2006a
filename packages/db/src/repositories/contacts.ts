import type { Executor } from '../executor.js';
import { insertIdentity } from './members.js';

// Contacts: the end users of a workspace (external users, anonymous visitors).

export interface NewContact {
  workspaceId: string;
  name: string;
  identifier?: string | null;
  email?: string | null;
  phone?: string | null;
  isBlocked?: boolean;
  isAnonymous?: boolean;
  country?: string | null;
  language?: string | null;
}

export async function insertContact(db: Executor, input: NewContact): Promise<{ identityId: string }> {
  const identityId = await insertIdentity(db, { workspaceId: input.workspaceId, kind: 'contact', displayName: input.name });
  await db
    .insertInto('contacts')
    .values({
      identity_id: identityId,
      workspace_id: input.workspaceId,
      identifier: input.identifier ?? null,
      email: input.email ?? null,
      phone: input.phone ?? null,
      is_blocked: input.isBlocked ?? false,
      is_anonymous: input.isAnonymous ?? false,
      country: input.country ?? null,
      language: input.language ?? null,
      ip: null,
      user_agent: null,
      link: null,
    })
    .execute();
  return { identityId };
}

/** The contact's presence on its channel: handle, client details and profile link. */
export async function updateContactChannelDetails(
  db: Executor,
  workspaceId: string,
  contactId: string,
  patch: { handle?: string | null; ip?: string | null; userAgent?: string | null; link?: string | null; pictureUrl?: string | null },
): Promise<void> {
  const contact = {
    ...(patch.handle !== undefined && { handle: patch.handle }),
    ...(patch.ip !== undefined && { ip: patch.ip }),
    ...(patch.userAgent !== undefined && { user_agent: patch.userAgent }),
    ...(patch.link !== undefined && { link: patch.link }),
  };
  if (Object.keys(contact).length > 0) {
    await db.updateTable('contacts').set(contact).where('workspace_id', '=', workspaceId).where('identity_id', '=', contactId).execute();
  }
  if (patch.pictureUrl !== undefined) {
    await db.updateTable('identities').set({ picture_url: patch.pictureUrl }).where('workspace_id', '=', workspaceId).where('id', '=', contactId).execute();
  }
}
