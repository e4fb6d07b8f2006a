import '@hono/zod-openapi'; // first: it gives zod's schemas .openapi()
import * as z from 'zod';
import { CHANNEL_TYPES, CHAT_RULE_FIELDS, CHAT_SORT_FIELDS, CHAT_TYPES, type ChatRuleField } from '@parley/db';
import { CHAT_RULE_FIELD_DESCRIPTIONS, INSTANT_RANGE_TEXT, MAX_LIST_OFFSET, RULE_LIMITS } from '@parley/core';
import { CursorParam, enumList, instant, IntegerParam, pageLimit, SearchText, Uuid } from '../../shared/params.js';
import { DateTime } from '../../shared/wire.js';
import { QueryBoolean } from '../../shared/workspace-params.js';

export { QueryBoolean, WorkspaceParams } from '../../shared/workspace-params.js';

const MemberId = IntegerParam({ min: 1, max: 2_147_483_647 }).optional();

const ruleFieldDocs = Object.entries(CHAT_RULE_FIELDS)
  .map(([name, spec]) => `- \`${name}\` (${spec.ops.join(', ')}): ${CHAT_RULE_FIELD_DESCRIPTIONS[name as ChatRuleField]}`)
  .join('\n');

export const FILTERS_DESCRIPTION = [
  'JSON-encoded advanced filter rules, and-ed with the other parameters.',
  'A group is `{"all": [...]}` or `{"any": [...]}` holding rules or groups; a rule is `{"field", "op", "value"}`.',
  `\`in\`/\`not_in\` take an array, \`between\` an inclusive \`[from, to]\`, \`is_null\` \`true\` or \`false\`; times are ISO-8601 with an offset, ${INSTANT_RANGE_TEXT}.`,
  `Limits: ${RULE_LIMITS.maxRules} rules, groups nested ${RULE_LIMITS.maxDepth} deep, ${RULE_LIMITS.maxListValues} values per list, ${RULE_LIMITS.maxLength} characters of JSON.`,
  'A bad tree answers 400 with an issue whose path points into the JSON, e.g. `query.filters.all[1].value`. Fields:',
  ruleFieldDocs,
  'Example: `{"all":[{"field":"channel","op":"in","value":["whatsapp","sms"]},{"any":[{"field":"label","op":"eq","value":"billing"},{"field":"messageCount","op":"gte","value":10}]}]}`',
].join('\n');

/** The filters of the list, shared with the export: every parameter the contract names. */
export const chatFilterParams = {
  sortBy: z.enum(CHAT_SORT_FIELDS).default('createdAt').openapi({ description: 'The field to sort by; ties go by chat id. Chats without a value (no title, no messages) come last.' }),
  sortOrder: z.enum(['asc', 'desc']).default('desc').openapi({ description: 'The sort direction.' }),
  mine: QueryBoolean.openapi({ description: 'Only chats the caller takes part in (as owner, participant or assignee).' }),
  archived: QueryBoolean.openapi({ description: 'Only archived (true) or unarchived (false) chats; both when absent.' }),
  needsResponse: QueryBoolean.openapi({ description: 'Only chats waiting (true) or not waiting (false) for an answer.' }),
  paused: QueryBoolean.openapi({ description: 'Only chats whose assistant is paused (true) or running (false).' }),
  channel: enumList(CHANNEL_TYPES, 'Only chats on channels of these types; a chat without a channel counts as `api`.'),
  chatType: enumList(CHAT_TYPES, 'Only chats of these types.'),
  memberId: MemberId.openapi({ description: 'Only chats this member takes part in (as owner, participant or assignee).' }),
  assistantMemberId: MemberId.openapi({ description: 'Only chats answered by the assistant with this member id.' }),
  search: SearchText,
  filters: z.string().optional().openapi({ description: FILTERS_DESCRIPTION }),
  isTest: QueryBoolean.openapi({ description: 'Only test chats (true) or real ones (false).' }),
  isAnonymous: QueryBoolean.openapi({
    description:
      'Only chats with an anonymous owner (true) or a known one (false). Chats of anonymous end users are reached with `chats:admin` only: ' +
      'without it they are left out of every list, export and count, and `true` (like any rule on the `anonymous` field) answers 403.',
  }),
  createdAfter: instant('Only chats created at or after this instant.').optional(),
  createdBefore: instant('Only chats created at or before this instant.').optional(),
};

export const ListChatsQuery = z.strictObject({
  ...chatFilterParams,
  page: IntegerParam({ min: 1, max: MAX_LIST_OFFSET + 1 })
    .default(1)
    .openapi({
      default: 1,
      description: `The page number, from 1. A page may start at most ${MAX_LIST_OFFSET} chats in ((page - 1) × pageSize ≤ ${MAX_LIST_OFFSET}, else 400); go deeper with \`cursor\`.`,
    }),
  pageSize: pageLimit('Chats', 20),
  cursor: CursorParam(4096).openapi({ description: "The previous page's `nextCursor`: the page after it, however deep. Keep the other parameters unchanged." }),
});

export const WorkspaceChat = z
  .object({
    id: z.number().int().openapi({ description: "The chat's integer id, used in this API's paths." }),
    uuid: Uuid.openapi({ description: "The chat's UUID (its id in the v1 API)." }),
    title: z.string().nullable(),
    summary: z.string().nullable(),
    summary_updated_at: DateTime.nullable().openapi({ description: 'When the summary was last written (by summarize or an update); null while the chat has none.' }),
    summaryUpdatedAt: DateTime.nullable().openapi({ description: 'The same instant as `summary_updated_at`, under the camelCase name the rest of this object uses; kept as an alias.' }),
    chatType: z.enum(CHAT_TYPES),
    channel: z.enum(CHANNEL_TYPES).openapi({ description: 'The channel type; `api` for a chat without a channel.' }),
    channelId: Uuid.nullable(),
    channelName: z.string().nullable(),
    owner: z.object({
      id: Uuid.openapi({ description: "The owner's identity id." }),
      name: z.string(),
      kind: z.enum(['user', 'contact', 'agent', 'squad']).openapi({ description: '`user` for a workspace member, `contact` for an end user.' }),
      memberId: z.number().int().nullable().openapi({ description: "The owner's member id when the owner is a workspace member." }),
      isAnonymous: z.boolean().openapi({ description: 'The owner is an anonymous end user; such chats appear to `chats:admin` keys only.' }),
    }),
    assistantMemberId: z.number().int().nullable().openapi({ description: 'The member id of the assistant answering the chat.' }),
    assignedMemberId: z.number().int().nullable(),
    participants: z.array(z.object({ memberId: z.number().int(), role: z.string() })),
    labels: z.array(z.string()),
    archived: z.boolean(),
    paused: z.boolean(),
    muted: z.boolean(),
    needsResponse: z.boolean(),
    isTest: z.boolean(),
    state: z.enum(['OPEN', 'SNOOZED', 'CLOSED']),
    messageCount: z.number().int(),
    lastMessageAt: DateTime.nullable(),
    createdAt: DateTime,
    updatedAt: DateTime,
  })
  .openapi('WorkspaceChat');

export const WorkspaceChatPage = z
  .object({
    chats: z.array(WorkspaceChat),
    page: z.number().int(),
    pageSize: z.number().int(),
    hasMore: z.boolean(),
    nextCursor: z.string().nullable().openapi({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
  })
  .openapi('WorkspaceChatPage');

export const ChatIdList = z.array(z.number().int()).openapi('ChatIdList', { description: 'Integer chat ids.' });

export const DailyCreationQuery = z.strictObject({
  archived: QueryBoolean.openapi({ description: 'Count archived (true) or unarchived (false) chats. Default: unarchived only.' }),
  isTest: QueryBoolean.openapi({ description: 'Count test (true) or real (false) chats. Default: real only.' }),
});

export const DailyCreation = z
  .object({
    dailyStats: z.array(
      z.object({
        date: z.string().openapi({ description: "The local day in the workspace's time zone, YYYY-MM-DD.", example: '2026-11-22' }),
        count: z.number().int().openapi({ description: 'Chats created that day, all types.' }),
        assignment: z.number().int(),
        manager: z.number().int(),
        dm: z.number().int(),
        testing: z.number().int(),
      }),
    ),
  })
  .openapi('DailyCreation');

export const ToolCallNames = z.array(z.string()).openapi('ToolCallNames', { description: 'Distinct tool names, sorted.' });

// ---- one chat: read, replace (PUT), update (PATCH) ----

const CHAT_STATES = ['OPEN', 'SNOOZED', 'CLOSED'] as const;

/** The fields a caller may write, as the chat object names them. */
const writableChatFields = {
  title: z.string({ message: 'must be a string or null' }).max(500, 'must be at most 500 characters').nullable().openapi({ description: 'The title; null for none.' }),
  summary: z
    .string({ message: 'must be a string or null' })
    .max(10_000, 'must be at most 10000 characters')
    .nullable()
    .openapi({ description: 'The summary; null for none. A changed summary moves `summary_updated_at` to now.' }),
  labels: z
    .array(z.string({ message: 'must be a string' }).trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'), { message: 'must be an array of label names' })
    .max(50, 'must hold at most 50 labels')
    .openapi({ description: "The chat's labels, exactly these (any order, each once): names of the workspace's label definitions, matched case-insensitively; an unknown name is a 400." }),
  archived: z.boolean({ message: 'must be true or false' }),
  paused: z.boolean({ message: 'must be true or false' }).openapi({ description: "Whether the chat's assistant is paused." }),
  muted: z.boolean({ message: 'must be true or false' }),
  needsResponse: z.boolean({ message: 'must be true or false' }).openapi({ description: 'Whether the chat waits for an answer from the team.' }),
  state: z.enum(CHAT_STATES, { message: `must be one of ${CHAT_STATES.join(', ')}` }).openapi({ description: 'The inbox state.' }),
  assignedMemberId: z
    .number({ message: 'must be a member id or null' })
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(2_147_483_647, 'is too large')
    .nullable()
    .openapi({
      description:
        'The workspace user the chat is assigned to (see GET /members), or null for nobody. 404 for an unknown member, 400 for an assistant. ' +
        'Without full reach a member may only take the chat (their own id) while it is unassigned or theirs, or give up their own assignment (403 otherwise).',
    }),
};

export const ReplaceChatBody = z
  .strictObject(writableChatFields)
  .openapi('ReplaceWorkspaceChat', { description: 'Every writable field of the chat, each required: what is not sent is not kept as it was (use PATCH for that).' });

export const UpdateChatBody = z
  .strictObject({
    title: writableChatFields.title.optional(),
    summary: writableChatFields.summary.optional(),
    labels: writableChatFields.labels.optional(),
    archived: writableChatFields.archived.optional(),
    paused: writableChatFields.paused.optional(),
    muted: writableChatFields.muted.optional(),
    needsResponse: writableChatFields.needsResponse.optional(),
    state: writableChatFields.state.optional(),
    assignedMemberId: writableChatFields.assignedMemberId.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: `must set at least one of ${Object.keys(writableChatFields).join(', ')}` })
  .openapi('UpdateWorkspaceChat', { minProperties: 1, description: 'The fields to change (at least one); the others keep their values. null clears title, summary and assignedMemberId.' });

export const ConditionalHeaders = z.object({
  'if-match': z
    .string()
    .min(1, 'must not be empty')
    .max(1000, 'must be at most 1000 characters')
    .optional()
    .openapi({
      param: { name: 'if-match', in: 'header' },
      description:
        "The chat's `ETag` from an earlier read (or `*`): the change is made only if the chat is still as it was then, else 412 " +
        '(`precondition_failed`) and nothing changes. Tags compare weakly (`W/` aside), as every ETag of this API is weak.',
    }),
});
