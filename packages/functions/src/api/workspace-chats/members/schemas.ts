import '@hono/zod-openapi'; // first: it gives zod's schemas .openapi()
import * as z from 'zod';
import { pageCursor, pageLimit, searchText, Uuid } from '../../../shared/params.js';
import { DateTime, pageOf } from '../../../shared/wire.js';

export const MemberListQuery = z.strictObject({
  search: searchText("Case-insensitive text to find in members' names."),
  kind: z
    .enum(['user', 'assistant'], { message: 'must be user or assistant' })
    .optional()
    .openapi({ description: 'Only workspace users (`user`) or only assistants (`assistant`); both when absent.' }),
  limit: pageLimit('Members', 50),
  cursor: pageCursor(4096, '`search` and `kind`'),
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
    createdAt: DateTime,
  })
  .openapi('WorkspaceMember');

export const WorkspaceMemberPage = pageOf('members', WorkspaceMember, 'WorkspaceMemberPage');
