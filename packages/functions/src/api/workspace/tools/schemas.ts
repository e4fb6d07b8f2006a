import '@hono/zod-openapi'; // first: it gives zod's schemas .openapi()
import * as z from 'zod';
import { MAX_TOOL_TIMEOUT_MS } from '@parley/core';
import { DateTime, HttpUrl, listQuery, pageOf, Text, Uuid, WorkspaceParams } from '../schemas.js';

export const ToolParams = WorkspaceParams.extend({
  tool_id: Uuid.openapi({ param: { name: 'tool_id', in: 'path' }, description: "The tool's id." }),
});

export const ListToolsQuery = z.strictObject(listQuery('Tools'));

const fields = {
  name: z
    .string({ message: 'must be a string' })
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, _ or -')
    .openapi({ description: 'What the assistant calls it by (`tool_calls[].name`); unique in the workspace in any letter case.', example: 'lookup_order' }),
  description: Text(2048).nullable().openapi({ description: 'What the tool does, for the assistant choosing it.' }),
  parameters: z
    .record(z.string(), z.unknown(), { message: 'must be a JSON Schema object' })
    .openapi({
      description:
        'The JSON Schema (draft-07) of the call arguments, of `"type": "object"`; checked as a schema here (400 with the problem otherwise) and every call\'s arguments against it. Default `{"type":"object"}`.',
      example: { type: 'object', properties: { orderId: { type: 'string' } }, required: ['orderId'] },
    }),
  callbackUrl: HttpUrl.openapi({
    description: 'Where calls are POSTed as JSON: `{ tool, callId, arguments, chat: { id, uuid }, workspaceId }`; a 2xx JSON answer is the result.',
  }),
  timeoutMs: z
    .number({ message: 'must be a number' })
    .int('must be an integer')
    .min(100, 'must be at least 100')
    .max(MAX_TOOL_TIMEOUT_MS, `must be at most ${MAX_TOOL_TIMEOUT_MS}`)
    .nullable()
    .openapi({ description: `How long a call may take, in milliseconds (100 to ${MAX_TOOL_TIMEOUT_MS}); null for the server's default.` }),
};

export const CreateToolBody = z.strictObject(fields).partial().required({ name: true, callbackUrl: true }).openapi('ToolCreateRequest');
export const UpdateToolBody = z
  .strictObject(fields)
  .partial()
  .openapi('ToolUpdateRequest', { description: 'The fields to change; absent fields stay as they are.' });

export const Tool = z
  .object({
    id: Uuid,
    name: z.string(),
    description: z.string().nullable(),
    parameters: z.record(z.string(), z.unknown()).openapi({ description: 'The JSON Schema the call arguments must satisfy.' }),
    callbackUrl: z.string(),
    timeoutMs: z.number().int().nullable(),
    createdAt: DateTime,
  })
  .openapi('WorkspaceTool');

export const ToolPage = pageOf('tools', Tool, 'WorkspaceToolPage');
