import {
  type ChannelDirectoryRecord,
  type ChannelPatch,
  type ChannelType,
  countChannelChats,
  type Database,
  deleteChannel as deleteChannelRow,
  type Executor,
  findChannelById,
  findIdentity,
  insertChannel,
  isUniqueViolation,
  listChannels as listChannelRows,
  updateChannel as updateChannelRow,
} from '@parley/db';
import type { Kysely } from 'kysely';
import type { Principal } from './auth.js';
import { AppError } from './errors.js';
import { type Outcome, reviveDates, withIdempotency } from './idempotency.js';
import { keysetList, type ListPage, type ListQuery } from './paging.js';

// Channels: where chats arrive (a type of the one canonical set), who answers them (the
// default responder: an assistant or a squad), whether the channel is enabled and whether assistant
// messages are delivered on it (notifications). Read with `chats:read`, changed with `chats:admin`;
// names are unique per workspace in any letter case.

type Db = Kysely<Database>;

async function requireChannel(db: Executor, principal: Principal, id: string): Promise<ChannelDirectoryRecord> {
  const channel = await findChannelById(db, principal.workspaceId, id);
  if (!channel) throw AppError.notFound('Channel');
  return channel;
}

/** The responder must be an assistant or a squad of the workspace: 404 for an unknown id, 400 for a user or contact. */
export async function requireResponder(db: Executor, principal: Principal, id: string): Promise<void> {
  const identity = await findIdentity(db, principal.workspaceId, id);
  if (!identity) throw AppError.notFound('Responder');
  if (identity.kind !== 'agent' && identity.kind !== 'squad') {
    throw AppError.invalid('body.responderId', `refers to a ${identity.kind}`, `responderId must be an assistant or a squad, not a ${identity.kind}`);
  }
}

export async function listChannelsPage(db: Executor, principal: Principal, query: ListQuery & { types?: ChannelType[]; enabled?: boolean }): Promise<ListPage<ChannelDirectoryRecord>> {
  return keysetList(principal, 'channels', query, (page) => listChannelRows(db, principal.workspaceId, { ...page, types: query.types, enabled: query.enabled }), (c) => c.name);
}

export async function getChannel(db: Executor, principal: Principal, id: string): Promise<ChannelDirectoryRecord> {
  return requireChannel(db, principal, id);
}

async function uniquely<T>(name: string | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (isUniqueViolation(err)) throw AppError.nameTaken('a channel', name ?? '');
    throw err;
  }
}

export type NewChannelInput = ChannelPatch & { type: ChannelType; name: string; responderId: string };

export async function createChannel(db: Db, principal: Principal, input: NewChannelInput, idempotencyKey?: string): Promise<{ value: ChannelDirectoryRecord; replayed: boolean }> {
  await requireResponder(db, principal, input.responderId);
  const scope = { principal, key: idempotencyKey, operation: 'create-channel', request: input };
  return withIdempotency(db, scope, (c) => reviveDates<ChannelDirectoryRecord>(c, ['createdAt']), async (record) =>
    uniquely(input.name, () =>
      db.transaction().execute(async (trx) => {
        const created = await insertChannel(trx, {
          workspaceId: principal.workspaceId,
          type: input.type,
          name: input.name,
          responderId: input.responderId,
          avatarUrl: input.avatarUrl,
          config: input.notificationsEnabled === undefined ? {} : { notificationsEnabled: input.notificationsEnabled },
        });
        if (input.isEnabled === false) await updateChannelRow(trx, principal.workspaceId, created.id, { isEnabled: false });
        const outcome: Outcome<ChannelDirectoryRecord> = { ok: true, value: await requireChannel(trx, principal, created.id) };
        await record(trx, outcome);
        return outcome;
      }),
    ),
  );
}

/** Changes the fields given. A new responder answers the channel's new chats; its chats keep theirs. */
export async function updateChannel(db: Executor, principal: Principal, id: string, patch: ChannelPatch): Promise<ChannelDirectoryRecord> {
  await requireChannel(db, principal, id);
  if (patch.responderId !== undefined) await requireResponder(db, principal, patch.responderId);
  const updated = await uniquely(patch.name, () => updateChannelRow(db, principal.workspaceId, id, patch));
  if (!updated) throw AppError.notFound('Channel');
  return requireChannel(db, principal, id);
}

/** Deletes a channel without chats; one with chats is a 409 (disable it instead). */
export async function deleteChannel(db: Executor, principal: Principal, id: string): Promise<void> {
  await requireChannel(db, principal, id);
  if (await deleteChannelRow(db, principal.workspaceId, id)) return;
  const chats = await countChannelChats(db, principal.workspaceId, id);
  if (chats === 0) throw AppError.notFound('Channel');
  throw new AppError('conflict', `The channel has ${chats} chat${chats === 1 ? '' : 's'} and cannot be deleted; disable it instead (enabled: false)`);
}
