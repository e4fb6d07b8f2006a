import { z } from '@hono/zod-openapi';
import { CursorParam, IntegerParam, Uuid } from '../../../shared/params.js';

export const MemberListQuery = z.strictObject({
  search: z
    .string()
    .trim()
    .max(200, 'must be at most 200 characters')
    .optional()
    .transform((s) => (s ? s : undefined))
    .openapi({ description: "Case-insensitive text to find in members' names." }),
  kind: z
    .enum(['user', 'assistant'], { message: 'must be user or assistant' })
    .optional()
    .openapi({ description: 'Only workspace users (`user`) or only assistants (`assistant`); both when absent.' }),
  limit: IntegerParam({ min: 1, max: 100 }).default(50).openapi({ default: 50, description: 'Members per page, 1 to 100.' }),
  cursor: CursorParam(4096).openapi({ description: "The previous page's `nextCursor`. Keep `search` and `kind` unchanged." }),
});

export const WorkspaceMember = z
  .object({
    id: z.number().int().openapi({ description: "The member's integer id: what `memberId`, `assistantMemberId` and `assignedMemberId` name." }),
    identityId: Uuid.openapi({ description: "The member's identity id (its id in the v1 API's `ownerId` and `responderId`)." }),
    kind: z.enum(['user', 'assistant']).openapi({ description: '`user`: a person of the workspace; `assistant`: an AI assistant.' }),
    name: z.string(),
    email: z.string().nullable().openapi({ description: "The user's email address; null for assistants and users without one." }),
    role: z.enum(['admin', 'member']).openapi({ description: '`admin` members reach every chat of the workspace; `member`s the chats they own, take part in or are assigned to. Assistants are `member`.' }),
    avatar: z.string().nullable(),
    createdAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('WorkspaceMember');

export const WorkspaceMemberPage = z
  .object({
    members: z.array(WorkspaceMember),
    hasMore: z.boolean(),
    nextCursor: z.string().nullable().openapi({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
  })
  .openapi('WorkspaceMemberPage');
