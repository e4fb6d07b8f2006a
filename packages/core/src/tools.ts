import { randomUUID } from 'node:crypto';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import { type ChatToolRecord, commonJs, type Executor, listChatTools } from '@parley/db';
import type { Principal } from './auth.js';
import { requireActionChat } from './chats/workspace.js';
import { AppError, type ErrorIssue } from './errors.js';

// The tools a v2 chat's assistant may call, and checking calls against their input schemas.

export async function chatTools(db: Executor, principal: Principal, chatNumber: number): Promise<ChatToolRecord[]> {
  const chat = await requireActionChat(db, principal, chatNumber);
  return listChatTools(db, chat.id);
}

// ajv is loaded when a tool call is first checked: the request paths without tool calls do not pay for it at cold start.
let ajv: Promise<Ajv> | undefined;
const loadAjv = () => (ajv ??= import('ajv').then(commonJs).then(({ Ajv }) => new Ajv({ allErrors: true, strict: false })));
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
