import { CHAT_RULE_FIELDS, CHAT_RULE_OPS, type ChatRule, type ChatRuleField, type ChatRuleNode, type ChatRuleOp } from '@parley/db';
import { AppError, type ErrorIssue } from '../errors.js';
import { findJsonProblem, INSTANT_RANGE_TEXT, isInstantInRange } from '../input.js';

// The `filters` rule language: JSON in, a validated rule tree out, or one 400 naming every offending path.

export const RULE_LIMITS = {
  /** Characters of the JSON text. */
  maxLength: 10_000,
  /** Nesting of groups: the root group is depth 1. */
  maxDepth: 5,
  /** Rules (leaves) in the whole tree. */
  maxRules: 50,
  /** Values of one `in` / `not_in` list. */
  maxListValues: 100,
  /** Characters of one text value. */
  maxTextLength: 200,
} as const;

/** What each rule field means, for the API reference (the `filters` parameter lists them with their operators). */
export const CHAT_RULE_FIELD_DESCRIPTIONS: Record<ChatRuleField, string> = {
  channel: "The chat's channel type; a chat without a channel counts as `api`, and `is_null` finds those.",
  chatType: 'assignment, manager, dm or testing.',
  state: 'The inbox state.',
  label: 'Label names: `eq` has the label, `in` has any of them, `ne`/`not_in` has none of them, `is_null: true` has no labels.',
  assistantMemberId: "The member id of the assistant answering the chat (its responder, or a squad's current responder).",
  assignedMemberId: 'The member the chat is assigned to.',
  memberId: 'A member taking part in the chat: its owner, a participant or its assignee.',
  createdAt: 'When the chat was created (ISO-8601 with offset).',
  updatedAt: 'When the chat last changed.',
  lastMessageAt: "The chat's latest message time; `is_null: true` finds chats without messages.",
  needsResponse: 'Waiting for an answer from the team.',
  archived: 'Archived.',
  paused: 'The assistant is paused in this chat.',
  muted: 'Muted.',
  isTest: 'A test chat.',
  anonymous: 'Owned by an anonymous end user (filtering on it needs `chats:admin`, the only scope that reaches such chats).',
  title: 'The title; `contains` is case-insensitive.',
  content: "Any message's text, case-insensitive.",
  messageCount: 'How many messages the chat holds.',
};

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

class RuleErrors {
  readonly issues: ErrorIssue[] = [];
  rules = 0;
  constructor(readonly root: string) {}
  add(path: string, message: string) {
    if (this.issues.length < 20) this.issues.push({ path, message });
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parses the JSON text of a `filters` parameter. `path` names the parameter in error issues, so an
 * issue reads e.g. `query.filters.all[2].value`.
 */
export function parseChatRules(text: string, path = 'query.filters'): ChatRuleNode {
  const fail = (issues: ErrorIssue[]) =>
    AppError.invalidAll(issues, `Invalid filters: ${issues[0]?.path}: ${issues[0]?.message}`);
  if (text.length > RULE_LIMITS.maxLength) throw fail([{ path, message: `must be at most ${RULE_LIMITS.maxLength} characters of JSON` }]);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw fail([{ path, message: `is not valid JSON (${(err as Error).message})` }]);
  }
  // The escapes of the JSON text (`\u0000`, `\ud800`) become NUL or lone surrogates only now.
  const problem = findJsonProblem(json);
  if (problem) throw fail([{ path: path + problem.at.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join(''), message: problem.message }]);
  const errors = new RuleErrors(path);
  const node = parseNode(json, path, 1, errors);
  if (errors.rules > RULE_LIMITS.maxRules) errors.add(path, `holds ${errors.rules} rules; at most ${RULE_LIMITS.maxRules} are allowed`);
  if (errors.issues.length > 0 || !node) throw fail(errors.issues);
  return node;
}

function parseNode(json: unknown, path: string, depth: number, errors: RuleErrors): ChatRuleNode | undefined {
  if (!isObject(json)) {
    errors.add(path, 'must be a group ({"all": [...]} or {"any": [...]}) or a rule ({"field", "op", "value"})');
    return undefined;
  }
  const keys = Object.keys(json);
  if (Object.hasOwn(json, 'all') || Object.hasOwn(json, 'any')) {
    const kind = Object.hasOwn(json, 'all') ? 'all' : 'any';
    if (keys.length !== 1) {
      errors.add(path, `a group has exactly one key, "all" or "any"; found ${keys.map((k) => `"${k}"`).join(', ')}`);
      return undefined;
    }
    const children = json[kind];
    const here = `${path}.${kind}`;
    if (depth > RULE_LIMITS.maxDepth) {
      errors.add(here, `nests groups deeper than ${RULE_LIMITS.maxDepth} levels`);
      return undefined;
    }
    if (!Array.isArray(children) || children.length === 0) {
      errors.add(here, 'must be a non-empty array of rules or groups');
      return undefined;
    }
    const parsed = children.map((child, i) => parseNode(child, `${here}[${i}]`, depth + 1, errors));
    if (parsed.some((p) => p === undefined)) return undefined;
    return kind === 'all' ? { all: parsed as ChatRuleNode[] } : { any: parsed as ChatRuleNode[] };
  }
  errors.rules++;
  return parseRule(json, path, errors);
}

function parseRule(json: Record<string, unknown>, path: string, errors: RuleErrors): ChatRule | undefined {
  const unknownKeys = Object.keys(json).filter((k) => k !== 'field' && k !== 'op' && k !== 'value');
  if (unknownKeys.length) {
    errors.add(`${path}.${unknownKeys[0]}`, 'is not a rule key (a rule has "field", "op" and "value")');
    return undefined;
  }
  const { field, op } = json;
  // Own properties only: `__proto__`, `constructor` or `toString` name no field.
  if (typeof field !== 'string' || !Object.hasOwn(CHAT_RULE_FIELDS, field)) {
    errors.add(`${path}.field`, `must be one of ${Object.keys(CHAT_RULE_FIELDS).join(', ')}`);
    return undefined;
  }
  const spec = CHAT_RULE_FIELDS[field as ChatRuleField];
  if (typeof op !== 'string' || !(CHAT_RULE_OPS as readonly string[]).includes(op) || !(spec.ops as readonly string[]).includes(op)) {
    errors.add(`${path}.op`, `must be one of ${spec.ops.join(', ')} for ${field}`);
    return undefined;
  }
  if (!Object.hasOwn(json, 'value')) {
    errors.add(`${path}.value`, 'is required');
    return undefined;
  }
  const value = parseValue(field as ChatRuleField, op as ChatRuleOp, json.value, `${path}.value`, errors);
  return value === undefined ? undefined : { field: field as ChatRuleField, op: op as ChatRuleOp, value };
}

function parseValue(field: ChatRuleField, op: ChatRuleOp, raw: unknown, path: string, errors: RuleErrors): ChatRule['value'] | undefined {
  const spec: { kind: string; values?: readonly string[] } = CHAT_RULE_FIELDS[field];
  if (op === 'is_null') {
    if (typeof raw !== 'boolean') return void errors.add(path, 'must be true (is null) or false (is not null)');
    return raw;
  }
  const scalar = (v: unknown, at: string): string | number | boolean | Date | undefined => {
    switch (spec.kind) {
      case 'boolean':
        return typeof v === 'boolean' ? v : void errors.add(at, 'must be true or false');
      case 'enum':
        return typeof v === 'string' && spec.values!.includes(v) ? v : void errors.add(at, `must be one of ${spec.values!.join(', ')}`);
      case 'member':
      case 'integer':
        return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 2_147_483_647 ? v : void errors.add(at, 'must be a non-negative integer');
      case 'time': {
        if (typeof v !== 'string' || !ISO_INSTANT.test(v) || Number.isNaN(Date.parse(v))) {
          return void errors.add(at, 'must be an ISO-8601 date-time with a time-zone offset, e.g. 2025-01-04T23:00:00Z');
        }
        if (!isInstantInRange(Date.parse(v))) return void errors.add(at, `must be ${INSTANT_RANGE_TEXT}`);
        return new Date(v);
      }
      default: // text, label
        if (typeof v !== 'string' || v.length === 0) return void errors.add(at, 'must be a non-empty string');
        if (v.length > RULE_LIMITS.maxTextLength) return void errors.add(at, `must be at most ${RULE_LIMITS.maxTextLength} characters`);
        return v;
    }
  };
  if (op === 'in' || op === 'not_in') {
    if (!Array.isArray(raw) || raw.length === 0) return void errors.add(path, 'must be a non-empty array');
    if (raw.length > RULE_LIMITS.maxListValues) return void errors.add(path, `must hold at most ${RULE_LIMITS.maxListValues} values`);
    const values = raw.map((v, i) => scalar(v, `${path}[${i}]`));
    return values.some((v) => v === undefined) ? undefined : (values as Array<string | number>);
  }
  if (op === 'between') {
    if (!Array.isArray(raw) || raw.length !== 2) return void errors.add(path, 'must be an array of two values [from, to]');
    const [from, to] = [scalar(raw[0], `${path}[0]`), scalar(raw[1], `${path}[1]`)];
    if (from === undefined || to === undefined) return undefined;
    if (from > to) return void errors.add(path, 'must not end before it starts');
    return [from, to] as [Date, Date] | [number, number];
  }
  if (Array.isArray(raw)) return void errors.add(path, `must be a single value for ${op}`);
  return scalar(raw, path);
}
