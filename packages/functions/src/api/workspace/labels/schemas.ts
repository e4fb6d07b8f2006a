import '@hono/zod-openapi'; // first: it gives zod's schemas .openapi()
import * as z from 'zod';
import { DateTime, listQuery, Name, pageOf, Text, Uuid, WorkspaceParams } from '../schemas.js';

export const LabelParams = WorkspaceParams.extend({
  label_id: Uuid.openapi({ param: { name: 'label_id', in: 'path' }, description: "The label definition's id." }),
});

export const ListLabelsQuery = z.strictObject(listQuery('Labels'));

const fields = {
  name: Name(100).openapi({ description: 'The label as chats show it; unique in the workspace in any letter case.', example: 'billing' }),
  description: Text(1000).nullable().openapi({ description: 'What the label means: the summarizer reads it when it picks labels for a chat.' }),
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a hex color such as #1e90ff').nullable().openapi({ example: '#1e90ff' }),
  keywords: z
    .array(Text(100).min(1, 'must not be empty'))
    .max(50, 'must hold at most 50 keywords')
    .openapi({ description: 'Words that suggest the label; the extractive summarizer picks a label when the conversation holds one.' }),
};

export const CreateLabelBody = z.strictObject(fields).partial().required({ name: true }).openapi('LabelCreateRequest');
export const UpdateLabelBody = z
  .strictObject(fields)
  .partial()
  .openapi('LabelUpdateRequest', { description: 'The fields to change; absent fields stay as they are, null clears a field.' });

export const Label = z
  .object({
    id: Uuid,
    name: z.string(),
    description: z.string().nullable(),
    color: z.string().nullable(),
    keywords: z.array(z.string()),
    chatCount: z.number().int().openapi({ description: 'Chats tagged with the label.' }),
    createdAt: DateTime,
  })
  .openapi('Label');

export const LabelPage = pageOf('labels', Label, 'LabelPage');
