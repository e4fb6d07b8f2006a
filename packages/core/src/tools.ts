import { randomUUID } from 'node:crypto';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import {
  type ChatToolRecord,
  commonJs,
  deleteWorkspaceTool,
  type Executor,
  findWorkspaceTool,
  insertWorkspaceTool,
  isUniqueViolation,
  listChatTools,
  listWorkspaceTools,
  updateWorkspaceTool,
  type WorkspaceToolPatch,
  type WorkspaceToolRecord,
} from '@parley/db';
import type { Principal } from './auth.js';
import { requireActionChat } from './chats/workspace.js';
import { AppError, type ErrorIssue } from './errors.js';
import { type Outcome, reviveDates, withIdempotency } from './idempotency.js';
import { keysetList, type ListPage, type ListQuery } from './paging.js';

// The workspace's chat tools: HTTP callbacks that every chat's assistant may call, which
// `send-assistant-message` runs for its `tool_calls` (validating the arguments against the tool's
// parameters, POSTing them to the callback URL). A tool of one chat with the same name wins in that chat.
// Read with `chats:read`, changed with `chats:admin`; a name is unique per workspace in any letter case.

/** How long a call may take at most: the share of the request's tool budget one tool may have. */
export const MAX_TOOL_TIMEOUT_MS = 20_000;

/**
 * The problems of a tool's parameters: it must be a JSON Schema (draft-07 meta-schema) that compiles
 * (its `$ref`s resolve) and describes an object, as the call's arguments are one.
 */
export async function parameterSchemaIssues(schema: Record<string, unknown>, path: string): Promise<ErrorIssue[]> {
  // The one ajv of the tool calls, loaded on first use (see chat-actions.ts).
  const ajv = await loadAjv();
  if (!ajv.validateSchema(schema)) {
    return (ajv.errors ?? []).map((e) => ({ path: [path, ...e.instancePath.split('/').slice(1)].join('.'), message: `is not a valid JSON Schema: ${e.message ?? 'invalid'}` }));
  }
  if (schema.type !== 'object') return [{ path: `${path}.type`, message: 'must be "object": a tool is called with an object of arguments' }];
  try {
    ajv.compile(schema);
  } catch (err) {
    return [{ path, message: `does not compile: ${(err as Error).message}` }];
  }
  return [];
}

async function requireValidParameters(schema: Record<string, unknown> | undefined): Promise<void> {
  if (schema === undefined) return;
  const issues = await parameterSchemaIssues(schema, 'body.parameters');
  if (issues.length) throw AppError.invalidAll(issues);
}

async function requireTool(db: Executor, principal: Principal, id: string): Promise<WorkspaceToolRecord> {
  const tool = await findWorkspaceTool(db, principal.workspaceId, id);
  if (!tool) throw AppError.notFound('Tool');
  return tool;
}

export async function listTools(db: Executor, principal: Principal, query: ListQuery): Promise<ListPage<WorkspaceToolRecord>> {
  return keysetList(principal, 'tools', query, (page) => listWorkspaceTools(db, principal.workspaceId, page), (t) => t.name);
}

export async function getTool(db: Executor, principal: Principal, id: string): Promise<WorkspaceToolRecord> {
  return requireTool(db, principal, id);
}

export type NewToolInput = WorkspaceToolPatch & { name: string; callbackUrl: string };

export async function createTool(db: Executor, principal: Principal, input: NewToolInput, idempotencyKey?: string): Promise<{ value: WorkspaceToolRecord; replayed: boolean }> {
  await requireValidParameters(input.inputSchema);
  const scope = { principal, key: idempotencyKey, operation: 'create-tool', request: input };
  return withIdempotency(db, scope, (t) => reviveDates<WorkspaceToolRecord>(t, ['createdAt']), async (record) => {
    const created = await insertWorkspaceTool(db, { workspaceId: principal.workspaceId, ...input, inputSchema: input.inputSchema ?? { type: 'object' } });
    if (!created) throw AppError.nameTaken('a tool', input.name);
    const outcome: Outcome<WorkspaceToolRecord> = { ok: true, value: created };
    await record(db, outcome);
    return outcome;
  });
}

export async function updateTool(db: Executor, principal: Principal, id: string, patch: WorkspaceToolPatch): Promise<WorkspaceToolRecord> {
  await requireValidParameters(patch.inputSchema);
  let updated: WorkspaceToolRecord | undefined;
  try {
    updated = await updateWorkspaceTool(db, principal.workspaceId, id, patch);
  } catch (err) {
    if (isUniqueViolation(err)) throw AppError.nameTaken('a tool', patch.name ?? '');
    throw err;
  }
  if (!updated) throw AppError.notFound('Tool');
  return updated;
}

export async function deleteTool(db: Executor, principal: Principal, id: string): Promise<void> {
  if (!(await deleteWorkspaceTool(db, principal.workspaceId, id))) throw AppError.notFound('Tool');
}

// ---- the tools of one chat, and checking calls against them ----

export async function chatTools(db: Executor, principal: Principal, chatNumber: number): Promise<ChatToolRecord[]> {
  const chat = await requireActionChat(db, principal, chatNumber);
  return listChatTools(db, chat.id);
}

// ajv is loaded when a tool call is first checked: the request paths without tool calls do not pay for it at cold start.
let ajv: Promise<Ajv> | undefined;
export const loadAjv = () => (ajv ??= import('ajv').then(commonJs).then(({ Ajv }) => new Ajv({ allErrors: true, strict: false })));
const validators = new Map<string, ValidateFunction>();

/** The tool's compiled input schema, cached per tool and schema. */
async function validatorFor(tool: ChatToolRecord): Promise<ValidateFunction> {
  const cacheKey = `${tool.id}:${JSON.stringify(tool.inputSchema)}`;
  let validate = validators.get(cacheKey);
  if (!validate) {
    const compiler = await loadAjv();
    try {
      validate = compiler.compile(tool.inputSchema);
    } catch (err) {
      throw new AppError('internal', `Tool "${tool.name}" has an invalid input schema: ${(err as Error).message}`);
    }
    if (validators.size > 500) validators.clear();
    validators.set(cacheKey, validate);
  }
  return validate;
}

function schemaIssues(base: string, errors: ErrorObject[] | null | undefined): ErrorIssue[] {
  return (errors ?? []).map((e) => {
    const pointer = e.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const missing = e.keyword === 'required' ? [String((e.params as { missingProperty?: string }).missingProperty)] : [];
    const extra = e.keyword === 'additionalProperties' ? [String((e.params as { additionalProperty?: string }).additionalProperty)] : [];
    const path = [base, ...pointer, ...missing, ...extra].join('.');
    return { path, message: e.keyword === 'additionalProperties' ? 'is not a known argument' : e.keyword === 'required' ? 'is required' : (e.message ?? 'is invalid') };
  });
}

export interface ToolCallInput {
  id?: string;
  name: string;
  arguments: Record<string, unknown>;
}

/** Checks every call against the chat's tools and their schemas before any runs; all problems at once. */
export async function planToolCalls(tools: ChatToolRecord[], calls: ToolCallInput[]): Promise<Array<{ tool: ChatToolRecord; call: Required<ToolCallInput> }>> {
  const byName = new Map(tools.map((t) => [t.name, t]));
  const issues: ErrorIssue[] = [];
  const ids = new Set<string>();
  const compiled = new Map<string, ValidateFunction>();
  for (const call of calls) {
    const tool = byName.get(call.name);
    if (tool && !compiled.has(tool.name)) compiled.set(tool.name, await validatorFor(tool));
  }
  const plan = calls.map((call, i) => {
    const id = call.id ?? `call_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
    if (ids.has(id)) issues.push({ path: `body.tool_calls.${i}.id`, message: 'repeats an earlier call id' });
    ids.add(id);
    const tool = byName.get(call.name);
    if (!tool) {
      issues.push({ path: `body.tool_calls.${i}.name`, message: `is not a tool of this chat${tools.length ? ` (tools: ${tools.map((t) => t.name).join(', ')})` : ' (it has none)'}` });
      return undefined;
    }
    const validate = compiled.get(tool.name)!;
    if (!validate(call.arguments)) issues.push(...schemaIssues(`body.tool_calls.${i}.arguments`, validate.errors));
    return { tool, call: { id, name: call.name, arguments: call.arguments } };
  });
  if (issues.length > 0) throw AppError.invalidAll(issues);
  return plan.filter((p) => p !== undefined);
}
