import {
  deleteLabelDefinition,
  type Executor,
  findLabelDefinition,
  insertLabelDefinition,
  isUniqueViolation,
  type LabelDefinitionPatch,
  type LabelDefinitionRecord,
  listLabelDefinitions,
  updateLabelDefinition,
} from '@parley/db';
import type { Principal } from './auth.js';
import { AppError } from './errors.js';
import { type Outcome, reviveDates, withIdempotency } from './idempotency.js';
import { keysetList, type ListPage, type ListQuery } from './paging.js';

// Label definitions: what chats are tagged with, and what `summarize?update_labels=true`
// chooses from (by name; its description and keywords guide the choice). Read with `chats:read`,
// changed with `chats:admin` (policy.ts). A name is unique per workspace in any letter case: 409.

async function requireLabel(db: Executor, principal: Principal, id: string): Promise<LabelDefinitionRecord> {
  const label = await findLabelDefinition(db, principal.workspaceId, id);
  if (!label) throw AppError.notFound('Label');
  return label;
}

export async function listLabelsPage(db: Executor, principal: Principal, query: ListQuery): Promise<ListPage<LabelDefinitionRecord>> {
  return keysetList(principal, 'labels', query, (page) => listLabelDefinitions(db, principal.workspaceId, page), (l) => l.name);
}

export async function getLabel(db: Executor, principal: Principal, id: string): Promise<LabelDefinitionRecord> {
  return requireLabel(db, principal, id);
}

export async function createLabel(
  db: Executor,
  principal: Principal,
  input: LabelDefinitionPatch & { name: string },
  idempotencyKey?: string,
): Promise<{ value: LabelDefinitionRecord; replayed: boolean }> {
  const scope = { principal, key: idempotencyKey, operation: 'create-label', request: input };
  return withIdempotency(db, scope, (l) => reviveDates<LabelDefinitionRecord>(l, ['createdAt']), async (record) => {
    const created = await insertLabelDefinition(db, { workspaceId: principal.workspaceId, ...input });
    if (!created) throw AppError.nameTaken('a label', input.name);
    const outcome: Outcome<LabelDefinitionRecord> = { ok: true, value: await requireLabel(db, principal, created.id) };
    await record(db, outcome);
    return outcome;
  });
}

export async function updateLabel(db: Executor, principal: Principal, id: string, patch: LabelDefinitionPatch): Promise<LabelDefinitionRecord> {
  let updated: boolean;
  try {
    updated = await updateLabelDefinition(db, principal.workspaceId, id, patch);
  } catch (err) {
    if (isUniqueViolation(err)) throw AppError.nameTaken('a label', patch.name ?? '');
    throw err;
  }
  if (!updated) throw AppError.notFound('Label');
  return requireLabel(db, principal, id);
}

/** Deletes the definition and takes the label off every chat that had it. */
export async function deleteLabel(db: Executor, principal: Principal, id: string): Promise<void> {
  if (!(await deleteLabelDefinition(db, principal.workspaceId, id))) throw AppError.notFound('Label');
}
