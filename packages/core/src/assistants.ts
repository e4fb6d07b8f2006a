import {
  type AssistantDirectoryRecord,
  type AssistantVersionRecord,
  type Database,
  deleteResponder,
  type Executor,
  existingAssistantIds,
  findAssistantById,
  findAssistantVersionById,
  findSquad,
  insertAssistant,
  insertAssistantVersion,
  insertSquad,
  isUniqueViolation,
  listAssistants,
  listAssistantVersions,
  listSquads,
  lockAssistant,
  responderNameTaken,
  responderReferences,
  setCurrentAssistantVersion,
  setSquadAssistants,
  type SquadRecord,
  updateResponder,
} from '@parley/db';
import type { Kysely } from 'kysely';
import type { Principal } from './auth.js';
import { AppError } from './errors.js';
import { type Outcome, reviveDates, withIdempotency } from './idempotency.js';
import { keysetList, type ListPage, type ListQuery } from './paging.js';

// Assistants with their versions, and squads: the responders of chats (a channel's
// responder, a chat's `responderId`). An assistant's config lives in numbered versions; a new config is
// a new version, which becomes current (what new chats run on); chats keep the version they ran on, so
// `responderVersionId`/`responderVersionNumber` tell which version answered. Read with `chats:read`,
// changed with `chats:admin`. Names of assistants and squads are unique together per workspace.

type Db = Kysely<Database>;

/** Runs `write` in a transaction; a responder name taken meanwhile (the unique index) is the same 409. */
async function writingName<T>(db: Db, name: string | undefined, write: (trx: Executor) => Promise<T>): Promise<T> {
  try {
    return await db.transaction().execute(write);
  } catch (err) {
    if (isUniqueViolation(err)) throw AppError.nameTaken('an assistant or squad', name ?? '');
    throw err;
  }
}

async function requireAssistant(db: Executor, principal: Principal, id: string): Promise<AssistantDirectoryRecord> {
  const assistant = await findAssistantById(db, principal.workspaceId, id);
  if (!assistant) throw AppError.notFound('Assistant');
  return assistant;
}

async function requireSquad(db: Executor, principal: Principal, id: string): Promise<SquadRecord> {
  const squad = await findSquad(db, principal.workspaceId, id);
  if (!squad) throw AppError.notFound('Squad');
  return squad;
}

/** 409 unless nothing answers through the responder any more. */
async function requireUnreferenced(db: Executor, principal: Principal, id: string, what: string): Promise<void> {
  const refs = await responderReferences(db, principal.workspaceId, id);
  const reasons = [
    refs.chats > 0 && `answers ${refs.chats} chat${refs.chats === 1 ? '' : 's'}`,
    refs.channels > 0 && `is the responder of ${refs.channels} channel${refs.channels === 1 ? '' : 's'}`,
    refs.messages && 'wrote messages',
  ].filter(Boolean);
  if (reasons.length) throw new AppError('conflict', `The ${what} ${reasons.join(', ')} and cannot be deleted; give its channels another responder instead`);
}

// ---- assistants ----

export interface AssistantInput {
  name?: string;
  description?: string | null;
  pictureUrl?: string | null;
  config?: Record<string, unknown>;
  currentVersionId?: string;
}

export async function listAssistantsPage(db: Executor, principal: Principal, query: ListQuery): Promise<ListPage<AssistantDirectoryRecord>> {
  return keysetList(principal, 'assistants', query, (page) => listAssistants(db, principal.workspaceId, page), (a) => a.name);
}

export async function getAssistant(db: Executor, principal: Principal, id: string): Promise<AssistantDirectoryRecord> {
  return requireAssistant(db, principal, id);
}

const reviveAssistant = (a: unknown) => reviveDates<AssistantDirectoryRecord>(a, ['createdAt']);

/** A new assistant with its member id and version 1 (its config). */
export async function createAssistant(db: Db, principal: Principal, input: AssistantInput & { name: string }, idempotencyKey?: string): Promise<{ value: AssistantDirectoryRecord; replayed: boolean }> {
  const scope = { principal, key: idempotencyKey, operation: 'create-assistant', request: input };
  return withIdempotency(db, scope, reviveAssistant, async (record) =>
    writingName(db, input.name, async (trx) => {
      if (await responderNameTaken(trx, principal.workspaceId, input.name)) throw AppError.nameTaken('an assistant or squad', input.name);
      const created = await insertAssistant(trx, { workspaceId: principal.workspaceId, name: input.name, description: input.description, pictureUrl: input.pictureUrl, config: input.config ?? {} });
      const outcome: Outcome<AssistantDirectoryRecord> = { ok: true, value: await requireAssistant(trx, principal, created.identityId) };
      await record(trx, outcome);
      return outcome;
    }),
  );
}

/**
 * Changes the assistant: name, description, picture; a `config` is a new version that becomes current;
 * `currentVersionId` makes one of its versions current again (a rollback). Not both at once.
 */
export async function updateAssistant(db: Db, principal: Principal, id: string, patch: AssistantInput): Promise<AssistantDirectoryRecord> {
  if (patch.config !== undefined && patch.currentVersionId !== undefined) {
    throw AppError.invalid('body.currentVersionId', 'cannot be combined with config', 'Send either config (a new version) or currentVersionId (an existing one), not both');
  }
  return writingName(db, patch.name, async (trx) => {
    if (!(await lockAssistant(trx, principal.workspaceId, id))) throw AppError.notFound('Assistant');
    if (patch.name !== undefined && (await responderNameTaken(trx, principal.workspaceId, patch.name, id))) throw AppError.nameTaken('an assistant or squad', patch.name);
    await updateResponder(trx, principal.workspaceId, id, 'agent', patch);
    if (patch.config !== undefined) await insertAssistantVersion(trx, id, patch.config);
    if (patch.currentVersionId !== undefined) {
      if (!(await findAssistantVersionById(trx, principal.workspaceId, id, patch.currentVersionId))) throw AppError.notFound('Version of this assistant');
      await setCurrentAssistantVersion(trx, principal.workspaceId, id, patch.currentVersionId);
    }
    return requireAssistant(trx, principal, id);
  });
}

/** Deletes an assistant nothing answers through (no chats, channels or messages of its own): else 409. */
export async function deleteAssistant(db: Db, principal: Principal, id: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (!(await lockAssistant(trx, principal.workspaceId, id))) throw AppError.notFound('Assistant');
    await requireUnreferenced(trx, principal, id, 'assistant');
    await deleteResponder(trx, principal.workspaceId, id, 'agent');
  });
}

// ---- versions ----

export async function listVersions(db: Executor, principal: Principal, assistantId: string, query: Omit<ListQuery, 'search'>): Promise<ListPage<AssistantVersionRecord>> {
  await requireAssistant(db, principal, assistantId);
  return keysetList(
    principal,
    'assistant-versions',
    query,
    (page) => listAssistantVersions(db, principal.workspaceId, assistantId, { limit: page.limit, beforeNumber: page.after && Number(page.after.value) }),
    (v) => String(v.number),
  );
}

export async function getVersion(db: Executor, principal: Principal, assistantId: string, versionId: string): Promise<AssistantVersionRecord> {
  await requireAssistant(db, principal, assistantId);
  const version = await findAssistantVersionById(db, principal.workspaceId, assistantId, versionId);
  if (!version) throw AppError.notFound('Version');
  return version;
}

/** The assistant's next version, numbered after the last; current unless `makeCurrent` is false. */
export async function createVersion(
  db: Db,
  principal: Principal,
  assistantId: string,
  input: { config: Record<string, unknown>; makeCurrent: boolean },
  idempotencyKey?: string,
): Promise<{ value: AssistantVersionRecord; replayed: boolean }> {
  const scope = { principal, key: idempotencyKey, operation: `create-assistant-version:${assistantId}`, request: input };
  return withIdempotency(db, scope, (v) => reviveDates<AssistantVersionRecord>(v, ['createdAt']), async (record) =>
    db.transaction().execute(async (trx) => {
      if (!(await lockAssistant(trx, principal.workspaceId, assistantId))) throw AppError.notFound('Assistant');
      const before = await findAssistantById(trx, principal.workspaceId, assistantId);
      const created = await insertAssistantVersion(trx, assistantId, input.config);
      if (!input.makeCurrent && before?.currentVersion) await setCurrentAssistantVersion(trx, principal.workspaceId, assistantId, before.currentVersion.id);
      const outcome: Outcome<AssistantVersionRecord> = { ok: true, value: (await findAssistantVersionById(trx, principal.workspaceId, assistantId, created.id))! };
      await record(trx, outcome);
      return outcome;
    }),
  );
}

// ---- squads ----

export interface SquadInput {
  name?: string;
  description?: string | null;
  pictureUrl?: string | null;
  assistantIds?: string[];
}

async function requireAssistants(db: Executor, principal: Principal, ids: string[]): Promise<void> {
  const known = await existingAssistantIds(db, principal.workspaceId, ids);
  const issues = ids.map((id, i) => (known.has(id) ? undefined : { path: `body.assistantIds.${i}`, message: 'is not an assistant of this workspace' })).filter((i) => i !== undefined);
  if (issues.length) throw AppError.invalidAll(issues);
}

export async function listSquadsPage(db: Executor, principal: Principal, query: ListQuery): Promise<ListPage<SquadRecord>> {
  return keysetList(principal, 'squads', query, (page) => listSquads(db, principal.workspaceId, page), (s) => s.name);
}

export async function getSquad(db: Executor, principal: Principal, id: string): Promise<SquadRecord> {
  return requireSquad(db, principal, id);
}

export async function createSquad(db: Db, principal: Principal, input: SquadInput & { name: string }, idempotencyKey?: string): Promise<{ value: SquadRecord; replayed: boolean }> {
  const assistantIds = [...new Set(input.assistantIds ?? [])];
  const scope = { principal, key: idempotencyKey, operation: 'create-squad', request: input };
  return withIdempotency(db, scope, (s) => reviveDates<SquadRecord>(s, ['createdAt']), async (record) =>
    writingName(db, input.name, async (trx) => {
      await requireAssistants(trx, principal, assistantIds);
      if (await responderNameTaken(trx, principal.workspaceId, input.name)) throw AppError.nameTaken('an assistant or squad', input.name);
      const { identityId } = await insertSquad(trx, { workspaceId: principal.workspaceId, name: input.name, pictureUrl: input.pictureUrl, assistantIds });
      if (input.description !== undefined) await updateResponder(trx, principal.workspaceId, identityId, 'squad', { description: input.description });
      const outcome: Outcome<SquadRecord> = { ok: true, value: await requireSquad(trx, principal, identityId) };
      await record(trx, outcome);
      return outcome;
    }),
  );
}

/** Changes the squad; `assistantIds` replaces its assistants. */
export async function updateSquad(db: Db, principal: Principal, id: string, patch: SquadInput): Promise<SquadRecord> {
  return writingName(db, patch.name, async (trx) => {
    await requireSquad(trx, principal, id);
    if (patch.name !== undefined && (await responderNameTaken(trx, principal.workspaceId, patch.name, id))) throw AppError.nameTaken('an assistant or squad', patch.name);
    await updateResponder(trx, principal.workspaceId, id, 'squad', patch);
    if (patch.assistantIds !== undefined) {
      const ids = [...new Set(patch.assistantIds)];
      await requireAssistants(trx, principal, ids);
      await setSquadAssistants(trx, id, ids);
    }
    return requireSquad(trx, principal, id);
  });
}

export async function deleteSquad(db: Db, principal: Principal, id: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await requireSquad(trx, principal, id);
    await requireUnreferenced(trx, principal, id, 'squad');
    await deleteResponder(trx, principal.workspaceId, id, 'squad');
  });
}
