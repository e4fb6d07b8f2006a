import {
  type ContactPatch,
  type ContactRecord,
  countChatsOwnedBy,
  type Database,
  deleteContact as deleteContactRow,
  type Executor,
  findContact,
  insertContact,
  listContacts as listContactRows,
  updateContact as updateContactRow,
  updateContactChannelDetails,
} from '@parley/db';
import type { Kysely } from 'kysely';
import type { Principal } from './auth.js';
import { AppError } from './errors.js';
import { type Outcome, reviveDates, withIdempotency } from './idempotency.js';
import { keysetList, type ListPage, type ListQuery } from './paging.js';
import { contactReach } from './policy.js';

// Contacts: the end users who own chats. `POST /api/v1/chats` takes a contact's id as its
// `ownerId`. Listed and read with `chats:read`, changed with `chats:admin` (policy.ts).

export type NewContactInput = ContactPatch & { name: string };

async function requireContact(db: Executor, principal: Principal, id: string): Promise<ContactRecord> {
  const reach = contactReach(principal);
  const contact = await findContact(db, reach.workspaceId, id, { includeAnonymous: reach.includeAnonymous });
  if (!contact) throw AppError.notFound('Contact');
  return contact;
}

export async function listContacts(db: Executor, principal: Principal, query: ListQuery & { blocked?: boolean }): Promise<ListPage<ContactRecord>> {
  const reach = contactReach(principal);
  return keysetList(principal, 'contacts', query, (page) => listContactRows(db, reach.workspaceId, { ...page, includeAnonymous: reach.includeAnonymous, blocked: query.blocked }), (c) => c.name);
}

export async function getContact(db: Executor, principal: Principal, id: string): Promise<ContactRecord> {
  return requireContact(db, principal, id);
}

const reviveContact = (c: unknown) => reviveDates<ContactRecord>(c, ['createdAt']);

/** Creates a contact; with an Idempotency-Key, a retry returns the first contact instead of a second. */
export async function createContact(db: Kysely<Database>, principal: Principal, input: NewContactInput, idempotencyKey?: string): Promise<{ value: ContactRecord; replayed: boolean }> {
  const scope = { principal, key: idempotencyKey, operation: 'create-contact', request: input };
  return withIdempotency(db, scope, reviveContact, async (record) =>
    db.transaction().execute(async (trx) => {
      const { identityId } = await insertContact(trx, {
        workspaceId: principal.workspaceId,
        name: input.name,
        identifier: input.identifier,
        email: input.email,
        phone: input.phone,
        isBlocked: input.isBlocked,
        isAnonymous: input.isAnonymous,
        country: input.country,
        language: input.language,
      });
      await updateContactChannelDetails(trx, principal.workspaceId, identityId, { handle: input.handle, ip: input.ip, userAgent: input.userAgent, link: input.link, pictureUrl: input.pictureUrl });
      const created = await findContact(trx, principal.workspaceId, identityId, { includeAnonymous: true });
      const outcome: Outcome<ContactRecord> = { ok: true, value: created! };
      await record(trx, outcome);
      return outcome;
    }),
  );
}

/**
 * Changes the given fields. Making a contact anonymous needs `chats:admin` (it takes the contact and
 * its chats out of every other caller's reach) — which every change of configuration needs anyway.
 */
export async function updateContact(db: Kysely<Database>, principal: Principal, id: string, patch: ContactPatch): Promise<ContactRecord> {
  return db.transaction().execute(async (trx) => {
    await requireContact(trx, principal, id);
    await updateContactRow(trx, principal.workspaceId, id, patch);
    return requireContact(trx, principal, id);
  });
}

/**
 * Deletes a contact that owns no chats. One that does stays (its chats need their owner): 409, and
 * blocking it (`isBlocked`) is the way to stop it.
 */
export async function deleteContact(db: Executor, principal: Principal, id: string): Promise<void> {
  await requireContact(db, principal, id);
  if (await deleteContactRow(db, principal.workspaceId, id)) return;
  const chats = await countChatsOwnedBy(db, principal.workspaceId, id);
  throw new AppError('conflict', `Contact ${id} ${chats > 0 ? `owns ${chats} chat${chats === 1 ? '' : 's'}` : 'wrote messages'} and cannot be deleted; block it instead (isBlocked: true)`);
}
