import '@hono/zod-openapi'; // first: it gives zod's schemas .openapi()
import * as z from 'zod';
import { DateTime, HttpUrl, listQuery, Name, pageOf, QueryBoolean, Text, Uuid, WorkspaceParams } from '../schemas.js';

export const AssistantParams = WorkspaceParams.extend({
  assistant_id: Uuid.openapi({ param: { name: 'assistant_id', in: 'path' }, description: "The assistant's id (its identity id: a chat's `responderId`, the statistics' `chatbotId`)." }),
});

export const VersionParams = AssistantParams.extend({
  version_id: Uuid.openapi({ param: { name: 'version_id', in: 'path' }, description: "The version's id (a chat's `responderVersionId`)." }),
});

export const ListAssistantsQuery = z.strictObject(listQuery('Assistants'));
const { search: _search, ...versionList } = listQuery('Versions');
export const ListVersionsQuery = z.strictObject(versionList);

const bool = z.boolean({ message: 'must be true or false' });
const model = Text(128).min(1, 'must not be empty');

/** What an assistant runs on (the `assistant_config` of org chats); every field optional. */
export const AssistantConfig = z
  .strictObject({
    model: model.optional(),
    language: z
      .string()
      .regex(/^(auto|[a-z]{2})$/, 'must be auto or an ISO 639-1 language code')
      .optional()
      .openapi({ description: '`auto` or the ISO 639-1 code of the language it answers in.' }),
    instructions: Text(10_240).optional(),
    knowledge_scope: z.enum(['all', 'restricted'], { message: 'must be all or restricted' }).optional(),
    stt: z.strictObject({ model: model.optional() }).optional(),
    tts: z.strictObject({ model: model.optional(), voice_id: Text(128).optional() }).optional(),
    conversation: z
      .strictObject({
        thread_mode: z.enum(['new', 'continue'], { message: 'must be new or continue' }).optional(),
        enable_memories: bool.optional(),
        enable_end_conversation_tool: bool.optional(),
        enable_transfer_to_human_tool: bool.optional(),
        welcome_banner: Text(256).optional(),
        suggested_messages: z.array(Text(564)).max(10, 'must hold at most 10 messages').optional(),
        auto_intro_message: Text(256).optional(),
        enable_private_chats: bool.optional(),
      })
      .optional(),
  })
  .openapi('AssistantConfig', { description: "The assistant's configuration, as the `assistant_config` of org chats shows it." });

const fields = {
  name: Name(100).openapi({ description: 'Unique among the assistants and squads of the workspace, in any letter case.', example: 'Support Assistant' }),
  description: Text(2000).nullable(),
  pictureUrl: HttpUrl.nullable(),
  config: AssistantConfig.openapi({ description: 'A new configuration: stored as the next version, which becomes current.' }),
};

export const CreateAssistantBody = z
  .strictObject(fields)
  .partial()
  .required({ name: true })
  .openapi('AssistantCreateRequest', { description: 'The new assistant; `config` becomes its version 1 (an empty config when absent).' });

export const UpdateAssistantBody = z
  .strictObject({
    ...fields,
    currentVersionId: Uuid.openapi({ description: 'Make this earlier version current again (a rollback); not together with `config`.' }),
  })
  .partial()
  .openapi('AssistantUpdateRequest', { description: 'The fields to change; absent fields stay as they are.' });

export const CreateVersionBody = z
  .strictObject({
    config: AssistantConfig,
    makeCurrent: bool.default(true).openapi({ description: 'Whether new chats run on it from now on (default true).' }),
  })
  .openapi('AssistantVersionCreateRequest');

export const AssistantVersion = z
  .object({
    id: Uuid,
    number: z.number().int().openapi({ description: 'The version number, from 1 (`responderVersionNumber` of the chats it answered).' }),
    config: z.record(z.string(), z.unknown()),
    current: z.boolean(),
    createdAt: DateTime,
  })
  .openapi('AssistantVersion');

export const Assistant = z
  .object({
    id: Uuid.openapi({ description: "The assistant's id: a channel's `responderId`, the statistics' `chatbotId`." }),
    memberId: z.number().int().openapi({ description: 'Its member id (`assistantMemberId` of the v2 chats).' }),
    name: z.string(),
    description: z.string().nullable(),
    pictureUrl: z.string().nullable(),
    currentVersion: z
      .object({ id: Uuid, number: z.number().int(), config: z.record(z.string(), z.unknown()) })
      .nullable()
      .openapi({ description: 'The version new chats run on.' }),
    versionCount: z.number().int(),
    createdAt: DateTime,
  })
  .openapi('Assistant');

export const AssistantPage = pageOf('assistants', Assistant, 'AssistantPage');
export const AssistantVersionPage = pageOf('versions', AssistantVersion, 'AssistantVersionPage');
export { QueryBoolean };
